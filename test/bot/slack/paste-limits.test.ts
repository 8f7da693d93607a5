import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from '../../helpers/bot/fake-slack-api';
import { mentionEventBody, messageEventBody, postSigned, viewSubmissionBody } from '../../helpers/bot/signed-request';
import { blocksOf, openAnalyzeDialog, pasteThread, startTestBot, type AnalyzeModal, type TestBot } from '../../helpers/bot/test-bot';
import { startBotReplica, type BotReplica } from '../../helpers/store/bot-replica';
import { analysisCounts, resetAnalysisPeaks } from '../../../bot/src/paste/analyze-in-worker';
import { DEFAULT_PASTE_LIMITS, pasteAdmission } from '../../../bot/src/paste/paste-admission';

/**
 * Issue 17: the bot reads at most WHYSTUCK_PASTE_CONCURRENCY pastes at a time
 * (default 2; up to 8 more wait, past them refused), one user at most
 * WHYSTUCK_PASTE_RATE_PER_MINUTE a minute (default 6), and a paste of at most
 * WHYSTUCK_PASTE_MAX_BYTES (default 2 MiB) — through the real Bolt app with
 * signed requests (in this process, where the admission's and the worker
 * module's counters can be read, and as `whystuck bot` in its own process,
 * whose RSS and threads are measured), files served by the fake Slack's files
 * endpoint.
 */

const corpus = (id: string): string => readFileSync(join(__dirname, '../../fixtures/corpus', id, 'input.txt'), 'utf8');
const MB = 1024 * 1024;

/**
 * A 10 MB kernel log: routine lines, and every 20,000 of them a hung-task
 * report (FUSE) with its pids moved on, as on a node over days. Written into
 * one buffer, served three times. (With a report every 400 lines the
 * worker's evidence alone grows by ~45 MB per analysis: that is the reader's
 * cost, not what the RSS bound is about.)
 */
function tenMegabyteLog(): Buffer {
  const report = corpus('r-001-hung-task-fuse-6x');
  const out = Buffer.alloc(10 * MB);
  let at = 0;
  for (let round = 0; ; round++) {
    const lines = Array.from({ length: 400 }, (_, j) => `[${(100 + (round * 400 + j) * 0.0007).toFixed(6).padStart(12)}] device veth${j % 97} entered promiscuous mode`);
    const text = `${lines.join('\n')}\n${round % 50 === 0 ? `${report.replace(/\b(\d{3,7})\b/g, (m) => String(Number(m) + round))}\n` : ''}`;
    if (at + Buffer.byteLength(text) > out.length) return out.subarray(0, at);
    at += out.write(text, at);
  }
}

/** The dialog submitted by `user`. */
function submitAs(t: TestBot, modal: AnalyzeModal, text: string, user: string): Promise<{ status: number; text: string }> {
  const input = modal.blocks[0];
  return t.send(
    viewSubmissionBody({
      user,
      callbackId: modal.callback_id,
      privateMetadata: modal.private_metadata,
      values: { [input.block_id]: { [input.element.action_id]: { type: 'plain_text_input', value: text } } },
    }),
  );
}

const inThread =
  (t: { slack: FakeSlackApi }, threadTs: string, mark: number) =>
  (c: SlackCall): boolean =>
    t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts === threadTs;

/** Waits until `n` calls match. */
async function calls(t: { slack: FakeSlackApi }, pred: (c: SlackCall) => boolean, n: number, timeoutMs: number): Promise<SlackCall[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = t.slack.calls.filter(pred);
    if (found.length >= n || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Slack: three 10 MB uploads at once (counted in this process)', () => {
  let t: TestBot;
  const files: ReturnType<TestBot['slack']['addFile']>[] = [];
  beforeAll(async () => {
    t = await startTestBot({ env: { WHYSTUCK_PASTE_MAX_BYTES: String(16 * MB) } });
    // Three uploads of the same 10 MB log.
    const log = tenMegabyteLog();
    for (let i = 0; i < 3; i++) files.push(t.slack.addFile(`kern-${i}.log`, log));
  });
  afterAll(async () => {
    pasteAdmission.configure(DEFAULT_PASTE_LIMITS);
    await t?.close();
  });

  it('two are read at a time, the third when one of them is done; each is answered', async () => {
    expect(t.config.pasteConcurrency).toBe(2);
    const { threadTs } = await pasteThread(t, corpus('s-006-runc-init-cow-memcg-reclaim'));
    pasteAdmission.resetPeak();
    resetAnalysisPeaks();
    let maxWorkers = 0;
    let maxRunning = 0;
    const sampler = setInterval(() => {
      maxWorkers = Math.max(maxWorkers, analysisCounts().workers);
      maxRunning = Math.max(maxRunning, pasteAdmission.stats().running);
    }, 10);
    const mark = t.slack.calls.length;
    let answers: SlackCall[];
    try {
      const sent = await Promise.all(files.map((f, i) => t.send(messageEventBody({ threadTs, files: [f], user: `U0LOAD${i}` }))));
      expect(sent.map((r) => r.status)).toEqual([200, 200, 200]);
      answers = await calls(t, inThread(t, threadTs, mark), 3, 120_000);
    } finally {
      clearInterval(sampler);
    }
    // All three diagnosed, each by whom it came from.
    expect(answers).toHaveLength(3);
    for (const a of answers) expect(blocksOf(a)[0].text?.text).toMatch(/FUSE daemon does not answer/);
    expect(answers.map((a) => /pasted by <@(U0LOAD\d)>/.exec(JSON.stringify(blocksOf(a)))?.[1]).sort()).toEqual(['U0LOAD0', 'U0LOAD1', 'U0LOAD2']);
    // Never more than two at a time — counted by the admission, by the analyses in the worker module and by its threads — and one waited.
    expect(pasteAdmission.stats().peakRunning).toBe(2);
    expect(pasteAdmission.stats().peakWaiting).toBe(1);
    expect(analysisCounts().peakRunning).toBeLessThanOrEqual(2);
    expect(analysisCounts().peakWorkers).toBeLessThanOrEqual(2);
    expect(Math.max(maxRunning, maxWorkers)).toBeLessThanOrEqual(2);
    expect(pasteAdmission.stats()).toMatchObject({ running: 0, waiting: 0 });
  }, 180_000);

  it('past the queue a paste is refused at once with the sentence; the others are read', async () => {
    pasteAdmission.configure({ queue: 0 });
    const { threadTs } = await pasteThread(t, corpus('s-006-runc-init-cow-memcg-reclaim'));
    const mark = t.slack.calls.length;
    await Promise.all(files.map((f, i) => t.send(messageEventBody({ threadTs, files: [f], user: `U0QUEUE${i}` }))));
    const answers = await calls(t, inThread(t, threadTs, mark), 3, 120_000);
    expect(answers).toHaveLength(3);
    const refused = answers.filter((a) => /could not analyse/.test(String(a.args.text)));
    expect(refused).toHaveLength(1);
    expect(refused[0].args.text).toBe(':warning: I could not analyse that: 2 pastes are being analysed (2 at a time, WHYSTUCK_PASTE_CONCURRENCY); try again in a minute.');
    // Refused before its download started: two downloads for three uploads.
    expect(t.slack.calls.slice(mark).filter((c) => c.method === 'file.download')).toHaveLength(2);
    expect(answers.filter((a) => /FUSE daemon does not answer/.test(blocksOf(a)[0]?.text?.text ?? ''))).toHaveLength(2);
  }, 180_000);
});

/** VmRSS (MB) and thread count of a process, from /proc. */
function procStatus(pid: number): { rssMb: number; threads: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMb: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024, threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0) };
}

/**
 * The real `whystuck bot` in its own process (the CLI, from the sources) with
 * its default limits, the fake Slack in this one: the bot's RSS is measured
 * alone, without jest's heap or the files being served. Its analysis worker
 * threads are OS threads of that process: /proc counts them.
 */
describe('the bot process: three 10 MB uploads at once', () => {
  const SECRET = 'test-signing-secret-paste-limits-3c1';
  let slack: FakeSlackApi;
  let kube: FakeKubeApi;
  let bot: BotReplica | undefined;
  let dir: string;
  beforeAll(async () => {
    slack = await startFakeSlackApi();
    kube = await startFakeKubeApi();
    dir = mkdtempSync(join(tmpdir(), 'whystuck-paste-limits-'));
    bot = await startBotReplica({
      SLACK_BOT_TOKEN: 'xoxb-test-paste-limits',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      WHYSTUCK_ACTION_SECRET: randomBytes(32).toString('hex'),
      WHYSTUCK_DB: join(dir, 'store.db'),
      KUBECONFIG: kube.kubeconfig,
      WHYSTUCK_PASTE_MAX_BYTES: String(16 * MB),
    });
  }, 120_000);
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await kube?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('two are read at a time (worker threads counted in /proc) and its RSS stays bounded', async () => {
    const b = bot!;
    const send = (body: string) => postSigned(b.url, SECRET, body, { contentType: 'application/json' });
    const threadTs = '1700000300.000100';
    // One upload read first: the worker thread kept for the next paste, and what loads at first use, are in the baseline.
    let mark = slack.calls.length;
    await send(messageEventBody({ threadTs, files: [slack.addFile('warm.log', corpus('r-001-hung-task-fuse-6x'))], user: 'U0WARM' }));
    expect(await calls({ slack }, inThread({ slack }, threadTs, mark), 1, 60_000)).toHaveLength(1);
    const log = tenMegabyteLog();
    const big = [0, 1, 2].map((i) => slack.addFile(`kern-${i}.log`, log));
    await new Promise((r) => setTimeout(r, 500));
    const base = procStatus(b.pid);
    let peakRss = base.rssMb;
    let peakThreads = base.threads;
    const sampler = setInterval(() => {
      try {
        const now = procStatus(b.pid);
        peakRss = Math.max(peakRss, now.rssMb);
        peakThreads = Math.max(peakThreads, now.threads);
      } catch {
        /* exited: the answers will say */
      }
    }, 10);
    mark = slack.calls.length;
    const t0 = Date.now();
    let answers: SlackCall[];
    try {
      const sent = await Promise.all(big.map((f, i) => send(messageEventBody({ threadTs, files: [f], user: `U0LOAD${i}` }))));
      expect(sent.map((r) => r.status)).toEqual([200, 200, 200]);
      answers = await calls({ slack }, inThread({ slack }, threadTs, mark), 3, 120_000);
    } finally {
      clearInterval(sampler);
    }
    const growth = peakRss - base.rssMb;
    process.stdout.write(
      `the bot process, three 10 MB uploads at once: answered in ${Date.now() - t0} ms; RSS ${base.rssMb.toFixed(0)} MB before, +${growth.toFixed(0)} MB at most; threads ${base.threads} before, ${peakThreads} at most\n`,
    );
    expect(answers).toHaveLength(3);
    for (const a of answers) expect(blocksOf(a)[0].text?.text).toMatch(/FUSE daemon does not answer/);
    // The kept worker and one more: two analyses at a time (without the limit: three worker threads, +2).
    expect(peakThreads - base.threads).toBeLessThanOrEqual(1);
    // Measured on the 2-core VM, growth over the ~205 MB of the bot after one paste: +74–78 MB as built (two readers' heaps
    // and the second worker thread, which compiles its TypeScript here); +91–95 MB with all three read at once. The uploads
    // are 30 MB: each held whole three times over (its downloaded chunks, joined, decoded to text for the worker) — the obvious
    // implementation, measured with this test — gave +167 MB, limit of two or not.
    expect(growth).toBeLessThan(130);
  }, 180_000);
});

describe('Slack: the default paste limit and the per-user rate', () => {
  let t: TestBot;
  // The default limits, but the rate's own default too (the test bot raises it for the other suites).
  beforeAll(async () => {
    t = await startTestBot({ env: { WHYSTUCK_PASTE_RATE_PER_MINUTE: '6' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('pastes are limited to 2 MB by default: a 3 MB upload is refused before its download, naming the limit and the setting', async () => {
    expect(t.config.pasteMaxBytes).toBe(2 * MB);
    const { threadTs } = await pasteThread(t, corpus('s-006-runc-init-cow-memcg-reclaim'), 'C0DEFAULTS');
    const big = t.slack.addFile('dmesg-3mb.txt', Buffer.alloc(3 * MB, 'a'));
    const mark = t.slack.calls.length;
    await t.send(messageEventBody({ threadTs, files: [big], channel: 'C0DEFAULTS', user: 'U0BIG' }));
    const [refused] = await calls(t, inThread(t, threadTs, mark), 1, 20_000);
    expect(refused.args.text).toBe(
      ':warning: I could not analyse that: dmesg-3mb.txt is 3.0 MB; I read at most 2.0 MB per message (WHYSTUCK_PASTE_MAX_BYTES). Upload the part around the incident, e.g. `dmesg -T | tail -n 5000`.',
    );
    expect(t.slack.calls.slice(mark).some((c) => c.method === 'file.download')).toBe(false);
    // "@whystuck analyze" says the limit too.
    const m2 = t.slack.calls.length;
    await t.send(mentionEventBody({ text: '<@UBOT> analyze', channel: 'C0DEFAULTS', user: 'U0BIG' }));
    const hint = await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= m2 && c.method === 'chat.postMessage' && /upload it as a file/.test(String(c.args.text)));
    expect(hint.args.text).toMatch(/\(files up to 2\.0 MB\)/);
  });

  it('a 7th paste from one person within a minute is refused with when to try again; talk is not counted; others are read', async () => {
    const user = 'U0RATE';
    // Pastes 1-2: the dialog. 3-4: text in the thread. 5-6: uploads.
    const modal = await openAnalyzeDialog(t, 'C0RATE', user);
    let mark = t.slack.calls.length;
    for (let i = 0; i < 2; i++) expect(JSON.parse((await submitAs(t, modal, corpus('s-006-runc-init-cow-memcg-reclaim'), user)).text || '{}')).toEqual({});
    const roots = await calls(t, (c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.channel === 'C0RATE' && c.args.thread_ts === undefined, 2, 20_000);
    const threadTs = String(roots[0].reply?.ts);
    await calls(t, inThread(t, threadTs, mark), 1, 20_000);
    mark = t.slack.calls.length;
    const say = (body: { text?: string; files?: object[]; user?: string }) => t.send(messageEventBody({ threadTs, channel: 'C0RATE', user, ...body }));
    for (const text of [corpus('r-001-hung-task-fuse-6x'), corpus('s-001-pod-terminating-zap-pid-ns')]) {
      await say({ text });
      await calls(t, inThread(t, threadTs, mark), t.slack.calls.filter(inThread(t, threadTs, mark)).length + 1, 20_000);
    }
    // Talk in the thread is read (is it a paste?) but not counted.
    await say({ text: 'thanks, looking at it now' });
    for (const name of ['a.log', 'b.log']) {
      await say({ files: [t.slack.addFile(name, corpus('s-002-ceph-full-d-state'))] });
      await calls(t, inThread(t, threadTs, mark), t.slack.calls.filter(inThread(t, threadTs, mark)).length + 1, 20_000);
    }
    const answered = t.slack.calls.filter(inThread(t, threadTs, mark));
    expect(answered).toHaveLength(4);
    expect(answered.every((a) => !/could not analyse/.test(String(a.args.text)))).toBe(true);

    // The 7th: an upload, refused before anything is downloaded, saying when to try again.
    const m7 = t.slack.calls.length;
    await say({ files: [t.slack.addFile('c.log', corpus('s-002-ceph-full-d-state'))] });
    const [refused] = await calls(t, inThread(t, threadTs, m7), 1, 20_000);
    expect(refused.args.text).toMatch(
      /^:warning: I could not analyse that: you sent 6 pastes in the last minute, the most I read from one person \(WHYSTUCK_PASTE_RATE_PER_MINUTE\); try again in ([1-5]?\d|60) s\.$/,
    );
    expect(t.slack.calls.slice(m7).some((c) => c.method === 'file.download')).toBe(false);
    // The dialog says it under the box; pasted text in the thread is told too; talk is still left alone.
    expect(JSON.parse((await submitAs(t, modal, corpus('s-006-runc-init-cow-memcg-reclaim'), user)).text).errors.paste).toMatch(/^You sent 6 pastes in the last minute, .*; try again in \d+ s\.$/);
    const m8 = t.slack.calls.length;
    await say({ text: 'ok, will try later' });
    await say({ text: corpus('r-001-hung-task-fuse-6x') });
    const told = await calls(t, inThread(t, threadTs, m8), 1, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.slack.calls.filter(inThread(t, threadTs, m8))).toHaveLength(1);
    expect(told[0].args.text).toMatch(/you sent 6 pastes in the last minute/);
    // Someone else in the same thread is read.
    const m9 = t.slack.calls.length;
    await say({ user: 'U0OTHER', files: [t.slack.addFile('d.log', corpus('s-002-ceph-full-d-state'))] });
    const [other] = await calls(t, inThread(t, threadTs, m9), 1, 20_000);
    expect(String(other.args.text)).not.toMatch(/could not analyse/);
    expect(pasteAdmission.stats().refusedRate).toBe(3);
  });
});
