import { PassThrough } from 'node:stream';
import { neutraliseControls } from '../../../bot/src/render/terminal-safe';
import { createTerminalOutput } from '../../../bot/src/terminal/terminal-chat';

describe('text a tenant controls cannot drive the operator terminal', () => {
  const retitle = '\x1b]0;owned\x07';
  const clear = '\x1b[2J\x1b[H';
  it('shows control characters other than newline and tab as visible text', () => {
    const out = neutraliseControls(`comm=${retitle}x${clear}\r\tline\n\x9b31m`);
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(out).toBe('comm=\\x1b]0;owned\\x07x\\x1b[2J\\x1b[H\\x0d\tline\n\\x9b31m');
  });

  it('the terminal chat writes neutralised text but keeps its own bold', () => {
    const stdout = new PassThrough();
    let written = '';
    stdout.on('data', (c: Buffer) => {
      written += c.toString();
    });
    const output = createTerminalOutput({ stdin: new PassThrough(), stdout, isTty: false });
    output.out(`\x1b[1mCRITICAL\x1b[22m zombie ${retitle} (pid 42)${clear}`);
    expect(written).toBe('\x1b[1mCRITICAL\x1b[22m zombie \\x1b]0;owned\\x07 (pid 42)\\x1b[2J\\x1b[H\n');
  });
});
