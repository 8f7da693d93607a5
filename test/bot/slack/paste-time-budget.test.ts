import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SlackCall } from '../../helpers/bot/fake-slack-api';
import { messageEventBody, slashCommandBody } from '../../helpers/bot/signed-request';
import { allText, blocksOf, pasteThread, startTestBot, type TestBot } from '../../helpers/bot/test-bot';

const corpus = (id: string): string => readFileSync(join(__dirname, '../../fixtures/corpus', id, 'input.txt'), 'utf8');
/** Syslog lines after the dmesg record: noise that takes time to read and changes nothing about the record. */
const filler = (n: number): string =>
  Array.from(
    { length: n },
    (_, i) =>
      `Mar  7 18:${String(20 + (Math.floor(i / 60000) % 40)).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')} node-7 kernel: device veth${i % 97} entered promiscuous mode`,
  ).join('\n');

/**
 * A paste is read off the event loop with a time budget: while a big upload
 * is read, the app keeps acknowledging Slack; past the budget the answer is
 * the diagnosis of what was read, saying at which line it stopped.
 */
describe('Slack: pastes are read off the event loop, within a time budget', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ env: { WHYSTUCK_PASTE_TIME_BUDGET_MS: '1500', WHYSTUCK_PASTE_MAX_BYTES: String(64 * 1024 * 1024) } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the budget is configuration (WHYSTUCK_PASTE_TIME_BUDGET_MS)', () => {
    expect(t.config.pasteTimeBudgetMs).toBe(1500);
  });

  it('a big upload is answered with what was read and where it was cut; slash commands are acknowledged meanwhile', async () => {
    // Built first: a request after a long pause can meet a keep-alive socket the server just closed.
    const content = `${corpus('r-001-hung-task-fuse-6x')}\n${filler(800_000)}\n`;
    const { threadTs } = await pasteThread(t, corpus('s-006-runc-init-cow-memcg-reclaim'));
    const file = t.slack.addFile('dmesg-huge.txt', content);
    const mark = t.slack.calls.length;
    expect((await t.send(messageEventBody({ threadTs, files: [file] }))).status).toBe(200);

    // While the file is downloaded and read, the app answers slash commands at once.
    const acks: number[] = [];
    let answer: SlackCall | undefined;
    const isAnswer = (c: SlackCall): boolean => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs;
    const deadline = Date.now() + 60_000;
    while (!(answer = t.slack.calls.find(isAnswer)) && Date.now() < deadline) {
      const t0 = Date.now();
      const res = await t.send(slashCommandBody('help'));
      expect(res.status).toBe(200);
      acks.push(Date.now() - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toBeDefined();
    expect(acks.length).toBeGreaterThan(3);
    expect(Math.max(...acks)).toBeLessThan(1500);

    const head = blocksOf(answer!)[0].text?.text ?? '';
    expect(head).toMatch(/FUSE daemon/);
    expect(head).toMatch(/input cut at line \d+: the 1\.5 s time budget ran out/);
    expect(JSON.stringify(blocksOf(answer!))).toMatch(/pasted by <@U0ONCALL> · read dmesg \(lines [^)]*\)[^"]* · input cut at line \d+/);
    expect(allText(answer!)).not.toMatch(/Nothing stuck/);
  }, 120_000);
});
