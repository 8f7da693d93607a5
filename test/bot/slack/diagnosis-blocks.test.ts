import type { Finding } from '../../../bot/src/diagnosis/finding';
import { diagnosisBlocks, MAX_BLOCKS, MAX_TEXT } from '../../../bot/src/slack/diagnosis-blocks';

const finding = (i: number): Finding => ({
  id: 'uninterruptible-io', severity: 'critical', confidence: 0.9, title: `finding ${i} <b>`,
  explanation: 'x'.repeat(5000), evidence: Array.from({ length: 30 }, (_v, j) => `evidence line ${j} ${'y'.repeat(200)}`),
  tasks: [], references: [],
  remediations: [{ action: 'signal', pid: 100 + i, signal: 'SIGKILL', effective: 'no', risk: 'medium', why: 'it is in D' }],
});

describe('Block Kit limits', () => {
  it('keeps to 50 blocks and 3000 characters per text, escapes mrkdwn, and offers Show more for the rest', () => {
    const r = diagnosisBlocks({ node: 'node-a', diagnosis: { summary: 's'.repeat(4000), findings: Array.from({ length: 40 }, (_v, i) => finding(i)) }, buttons: [], threadKey: 'C:1' });
    expect(r.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    const texts = JSON.stringify(r.blocks).match(/"text":"((?:[^"\\\\]|\\\\.)*)"/g) ?? [];
    for (const t of texts) expect(JSON.parse(`{${t}}`).text.length).toBeLessThanOrEqual(MAX_TEXT);
    expect(r.overflow.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.blocks)).toContain('show_more');
    expect(JSON.stringify(r.blocks)).toContain('finding 0 &lt;b&gt;');
    expect(r.text.length).toBeLessThanOrEqual(MAX_TEXT);
  });
});
