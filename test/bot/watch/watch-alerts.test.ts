import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createPagerDuty, type EscalationTarget } from '../../../bot/src/escalation/pagerduty';
import { createKubeLookup } from '../../../bot/src/kube/pod-lookup';
import { createPodNames } from '../../../bot/src/kube/pod-names';
import { createBotMetrics, type BotMetrics } from '../../../bot/src/metrics/bot-metrics';
import type { Scheduler } from '../../../bot/src/conversation/scheduler';
import { openSqliteStore } from '../../../bot/src/store/sqlite-store';
import { createWatchMode, type WatchModeDeps } from '../../../bot/src/watch/start-watch-mode';
import type { WatchManager } from '../../../bot/src/watch/watch-manager';
import { createBackoff } from '../../../bot/src/watch/backoff';
import { startHarness, type Harness } from '../../helpers/collector-harness';
import { startFakeKubeApi, type FakeKubeApi } from '../../helpers/bot/fake-kube-api';
import { startFakePagerDuty, type FakePagerDuty } from '../../helpers/bot/fake-pagerduty';
import type { SlackCall } from '../../helpers/bot/fake-slack-api';
import { blockActionBody, slashCommandBody } from '../../helpers/bot/signed-request';
import { actionIds, allText, blocksOf, startTestBot, type TestBot } from '../../helpers/bot/test-bot';
import { lowerHungTaskTimeout } from '../../helpers/kernel/hung-task-report';
import { cleanupAll, trackPid } from '../../helpers/kernel/cleanup';
import { fuseAvailable, startFuse } from '../../helpers/kernel/fuse-mount';
import { cgroupV1Available, createPodCgroup, type PodCgroup } from '../../helpers/kernel/pod-cgroup';
import { spawnPython, spawnZombies, stateOf, waitFor } from '../../helpers/kernel/processes';
import { spawnUnkillableStat } from '../../helpers/kernel/unkillable-task';
import { spawnOomVictim } from '../../helpers/kernel/oom-kill';

const ROUTING_KEY = 'R0UTINGKEY0000000000000000000001';
const CHANNEL = 'C0ALERTS';
const MiB = 1024 * 1024;

const can = cgroupV1Available();
const fuse = fuseAvailable();
const describeKernel = can.ok && fuse.ok ? describe : describe.skip;
if (!can.ok || !fuse.ok) process.stderr.write(`watch-mode alert tests skipped: ${!can.ok ? can.reason : ''} ${!fuse.ok ? fuse.reason : ''}\n`);

const HUNG = { timeout: '/proc/sys/kernel/hung_task_timeout_secs', warnings: '/proc/sys/kernel/hung_task_warnings' };
const hungTasks = existsSync(HUNG.timeout) && existsSync(HUNG.warnings);
if (!hungTasks) process.stderr.write('watch-mode hung-task alert test skipped: the kernel has no hung-task detector (CONFIG_DETECT_HUNG_TASK: /proc/sys/kernel/hung_task_timeout_secs is missing)\n');

/** A scheduler the test fires by hand: quiet periods pass when the test says so. */
function manualScheduler(): Scheduler & { fireAll(): void } {
  const tasks: { fire(): void; cancelled: boolean }[] = [];
  return {
    after(_ms, fn) {
      const task = { fire: fn, cancelled: false };
      tasks.push(task);
      return {
        cancel: () => {
          task.cancelled = true;
        },
      };
    },
    fireAll() {
      for (const task of tasks.splice(0)) if (!task.cancelled) task.fire();
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A memcg OOM kill in the pod (its limit is 32 MiB). */
async function oomKill(pod: PodCgroup): Promise<number> {
  const { pid, signal } = await spawnOomVictim(pod);
  expect(signal).toBe('SIGKILL');
  return pid;
}

describeKernel('watch mode: real kernel events become one Slack alert per incident, updated and resolved', () => {
  let h: Harness;
  let kube: FakeKubeApi;
  let pd: FakePagerDuty;
  let t: TestBot;
  let escalation: EscalationTarget;
  let metrics: BotMetrics;
  let watch: WatchManager | undefined;
  const scheduler = manualScheduler();
  const dirs: string[] = [];

  const startWatch = async (over: Partial<WatchModeDeps> = {}): Promise<WatchManager> => {
    const w = createWatchMode({
      watch: t.config.watch!,
      collectors: t.collectors,
      store: t.store,
      client: t.bot.client,
      conversation: t.bot.conversation,
      pagerduty: escalation,
      oncallGroups: t.config.oncallGroups,
      podNames: createPodNames({ kubeconfig: kube.kubeconfig }),
      metrics,
      logger: pino({ level: 'silent' }),
      scheduler,
      ...over,
    });
    await w.start();
    return w;
  };
  const streams = async (): Promise<number> => (await metrics.watchStreams.get()).values[0]?.value ?? 0;

  /** Root messages (not thread replies) in `channel` whose text names `needle`. */
  const alertsAbout = (needle: string, channel = CHANNEL): SlackCall[] =>
    t.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel && c.args.thread_ts === undefined && allText(c).includes(needle));
  const alertFor = (needle: string, title: string, ms = 30000): Promise<SlackCall> =>
    t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === CHANNEL && c.args.thread_ts === undefined && allText(c).includes(needle) && allText(c).includes(title), ms);
  const inThread = (ts: string, pred: (c: SlackCall) => boolean, ms = 30000): Promise<SlackCall> => t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts && pred(c), ms);
  const resolvedUpdate = (ts: string, ms = 30000): Promise<SlackCall> => t.slack.waitFor((c) => c.method === 'chat.update' && c.args.ts === ts && allText(c).includes('Resolved'), ms);
  const pdEvents = (dedupKey: string, action: string): Record<string, unknown>[] => pd.events.filter((e) => e.dedup_key === dedupKey && e.event_action === action);

  beforeAll(async () => {
    h = await startHarness({ watch: { observeMs: 500, kmsgPollMs: 100, thresholds: { dTasks: 3, zombies: 3, persistMs: 1000 } } });
    h.watcher!.start();
    kube = await startFakeKubeApi();
    pd = await startFakePagerDuty();
    metrics = createBotMetrics();
    escalation = createPagerDuty({ routingKey: ROUTING_KEY, eventsUrl: pd.url });
    const tls = h.clientTls('whystuck-bot');
    t = await startTestBot({
      env: {
        WHYSTUCK_COLLECTORS: `node-a=${h.address}`,
        WHYSTUCK_COLLECTOR_TLS_CERT: tls.cert,
        WHYSTUCK_COLLECTOR_TLS_KEY: tls.key,
        WHYSTUCK_COLLECTOR_TLS_CA: tls.ca,
        KUBECONFIG: kube.kubeconfig,
        WHYSTUCK_REMEDIATORS: 'U0ONCALL',
        WHYSTUCK_ONCALL_GROUPS: `${CHANNEL}=S0ONCALL`,
        WHYSTUCK_ALERT_CHANNEL: CHANNEL,
        WHYSTUCK_ALERT_RATE_LIMIT: 'off',
        WHYSTUCK_ALERT_RESOLVE_AFTER_MINUTES: '60',
      },
      kube: createKubeLookup({ kubeconfig: kube.kubeconfig }),
      escalation,
      metrics,
    });
    watch = await startWatch();
    await waitFor(() => {
      void streams().then((n) => {
        connected = n;
      });
      return connected === 1;
    }, 'the watch stream to node-a');
  });
  let connected = 0;
  afterAll(async () => {
    await cleanupAll();
    await watch?.stop();
    await t?.close();
    await pd?.close();
    await kube?.close();
    await h?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  afterEach(cleanupAll);

  it('a memcg OOM kill in a pod: one alert naming the pod, the diagnosis in its thread; after the quiet period a fresh look resolves it', async () => {
    const pod = createPodCgroup({ memoryLimitBytes: 32 * MiB });
    kube.addPod({ namespace: 'shop', name: 'oom-0', uid: pod.podUid, nodeName: 'node-a' });
    const pid = await oomKill(pod);
    const alert = await alertFor(pod.podUid, 'OOM kill');
    expect(allText(alert)).toContain(`node *node-a* · pod shop/oom-0 (uid ${pod.podUid})`);
    expect(allText(alert)).toMatch(new RegExp(`Killed process ${pid} \\(python3\\)`));
    expect(alert.args.text).toBe(`OOM kill on node-a, pod shop/oom-0 (uid ${pod.podUid})`);
    const ts = String(alert.reply?.ts);
    const diagnosis = await inThread(ts, (c) => Array.isArray(c.args.blocks));
    expect(actionIds(diagnosis)).toEqual(expect.arrayContaining(['recheck', 'escalate']));
    await sleep(1500);
    expect(alertsAbout(pod.podUid)).toHaveLength(1);
    expect(pd.events.filter((e) => String(e.dedup_key).includes(pod.podUid))).toEqual([]); // OOM kills do not page by default

    scheduler.fireAll(); // the quiet period is over: the pod's memcg is no longer under OOM
    const resolved = await resolvedUpdate(ts);
    expect(allText(resolved)).toMatch(/Resolved — OOM kill/);
    expect(allText(resolved)).toMatch(/no new event for 60 min and a fresh look at node-a no longer shows it/);
    await inThread(ts, (c) => String(c.args.text).startsWith(':white_check_mark: Resolved: no new event for 60 min'));
  });

  it('a D-state pile-up behind an unanswered FUSE request: one alert that pages; aborting the connection resolves the message and the PagerDuty alert', async () => {
    const pod = createPodCgroup();
    kube.addPod({ namespace: 'shop', name: 'fuse-0', uid: pod.podUid, nodeName: 'node-a' });
    const mnt = await startFuse({ hang: '*' });
    const pids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const child = spawn('sh', ['-c', 'read go; exec stat "$0"', `${mnt.mountpoint}/data/f`], { stdio: ['pipe', 'ignore', 'ignore'] });
      const pid = trackPid(child.pid);
      pod.addPid(pid);
      child.stdin?.end('go\n');
      pids.push(pid);
      // The first one's LOOKUP is read and never answered; SIGKILL leaves it in D waiting for the
      // answer. The others wait in D in the VFS for the same name's lookup.
      if (i === 0) {
        await mnt.waitHung(1);
        process.kill(pid, 'SIGKILL');
      }
    }
    await waitFor(() => pids.every((p) => stateOf(p) === 'D'), 'three stats in D');
    const alert = await alertFor(pod.podUid, 'D-state pile-up');
    expect(allText(alert)).toContain('3 tasks in uninterruptible sleep (D)');
    expect(allText(alert)).toContain('pod shop/fuse-0');
    const ts = String(alert.reply?.ts);
    const dedupKey = `whystuck/node-a/${pod.podUid}/uninterruptible-io`;
    const paged = await inThread(ts, (c) => String(c.args.text).startsWith(':rotating_light:'));
    expect(paged.args.text).toBe(
      `:rotating_light: d-pileup alerts page at once (WHYSTUCK_ALERT_PAGE_KINDS): paged <!subteam^S0ONCALL> (on-call for this channel) and PagerDuty (dedup key \`${dedupKey}\`).`,
    );
    expect(pdEvents(dedupKey, 'trigger')).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ severity: 'critical', source: 'node-a', summary: expect.stringContaining('D-state pile-up on node-a') }) }),
    ]);
    const diagnosis = await inThread(ts, (c) => Array.isArray(c.args.blocks));
    expect(allText(diagnosis)).toMatch(/request_wait_answer|FUSE/);
    expect(actionIds(diagnosis)).toEqual(expect.arrayContaining(['recheck', 'escalate']));

    mnt.abort();
    const resolved = await resolvedUpdate(ts);
    expect(allText(resolved)).toMatch(/Resolved — D-state pile-up/);
    expect(allText(resolved)).toContain('the collector sees it gone');
    await waitFor(() => pdEvents(dedupKey, 'resolve').length === 1, 'the PagerDuty resolve with the same dedup key');
    const said = await inThread(ts, (c) => String(c.args.text).startsWith(':white_check_mark:'));
    expect(said.args.text).toBe(`:white_check_mark: Resolved: the collector sees it gone (was: 3 tasks in uninterruptible sleep (D)). PagerDuty alert \`${dedupKey}\` resolved.`);
    expect(alertsAbout(pod.podUid)).toHaveLength(1);
  });

  it('zombie growth: one alert; the remediation button in its thread ends the parent, and the alert resolves', async () => {
    const pod = createPodCgroup();
    kube.addPod({ namespace: 'shop', name: 'reaper-0', uid: pod.podUid, nodeName: 'node-a' });
    // A parent that never reaps: 3 zombies at once, then one more every 0.6 s.
    const parent = await spawnPython('import os, time\nfor i in range(6):\n    if os.fork() == 0:\n        os._exit(0)\n    if i >= 2:\n        time.sleep(0.6)\ntime.sleep(100000)', pod);
    const alert = await alertFor(pod.podUid, 'Zombies piling up');
    expect(allText(alert)).toMatch(/\d+ zombie processes, and growing/);
    const ts = String(alert.reply?.ts);
    const diagnosis = await inThread(ts, (c) => actionIds(c).some((id) => id.startsWith('remediate_')));
    expect(t.slack.calls.some((c) => c.args.thread_ts === ts && String(c.args.text).startsWith(':rotating_light:'))).toBe(false); // zombies do not page by default
    const button = blocksOf(diagnosis)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id?.startsWith('remediate_'))!;
    expect(button.value).toBeDefined();
    await t.send(blockActionBody({ user: 'U0ONCALL', channel: CHANNEL, messageTs: String(diagnosis.reply?.ts), threadTs: ts, actionId: button.action_id!, value: button.value! }));
    await inThread(ts, (c) => /^:white_check_mark: SIGNALLED/.test(String(c.args.text)));
    await waitFor(() => stateOf(parent.pid) === undefined, 'the parent to exit');
    const resolved = await resolvedUpdate(ts);
    expect(allText(resolved)).toMatch(/Resolved — Zombies piling up/);
    expect(alertsAbout(pod.podUid)).toHaveLength(1);
  });

  describe('a hung-task report (hung_task_timeout_secs lowered to 2 for the test)', () => {
    let restore: () => void = () => undefined;
    beforeAll(() => {
      if (hungTasks) restore = lowerHungTaskTimeout();
    });
    afterAll(async () => {
      await cleanupAll(); // no task left in D to be reported once the timeout is back
      restore();
    });

    (hungTasks ? it : it.skip)('one hung-task alert that pages; a quiet-period look while the task is in D keeps it, after the abort it resolves', async () => {
      const pod = createPodCgroup();
      kube.addPod({ namespace: 'shop', name: 'hung-0', uid: pod.podUid, nodeName: 'node-a' });
      const { pid, mnt } = await spawnUnkillableStat(pod);
      const alert = await alertFor(pod.podUid, 'Hung task', 40000);
      expect(allText(alert)).toMatch(new RegExp(`task stat:${pid} blocked for more than \\d+ seconds`));
      const ts = String(alert.reply?.ts);
      const dedupKey = `whystuck/node-a/${pod.podUid}/hung-task`;
      await waitFor(() => pdEvents(dedupKey, 'trigger').length === 1, 'the page');
      await inThread(ts, (c) => Array.isArray(c.args.blocks));
      // The watchdog reports it again every check: the one message is updated.
      await t.slack.waitFor((c) => c.method === 'chat.update' && c.args.ts === ts && /[2-9] events|\d{2,} events/.test(allText(c)), 20000);

      scheduler.fireAll();
      await sleep(2000);
      expect(t.slack.calls.some((c) => c.method === 'chat.update' && c.args.ts === ts && allText(c).includes('Resolved'))).toBe(false);

      mnt.abort();
      await waitFor(() => stateOf(pid) === undefined, 'the stat to exit');
      await sleep(2500); // a report already in flight still updates the message; then the quiet period
      scheduler.fireAll();
      const resolved = await resolvedUpdate(ts);
      expect(allText(resolved)).toMatch(/Resolved — Hung task/);
      await waitFor(() => pdEvents(dedupKey, 'resolve').length === 1, 'the PagerDuty resolve');
      expect(alertsAbout(pod.podUid)).toHaveLength(1);
    });
  });

  it('a restart resumes from the stored cursor: what happened while the bot was down is alerted once, nothing earlier again', async () => {
    const a = createPodCgroup({ memoryLimitBytes: 32 * MiB });
    const b = createPodCgroup({ memoryLimitBytes: 32 * MiB });
    await oomKill(a);
    const first = await alertFor(a.podUid, 'OOM kill');
    const ts = String(first.reply?.ts);
    await inThread(ts, (c) => Array.isArray(c.args.blocks));
    await watch!.stop();
    watch = undefined;
    const mark = t.slack.calls.length;
    await oomKill(b);
    await oomKill(a);
    await waitFor(
      () => h.journal!.after(0, 100000).filter((e) => e.kernel_report?.kind === 'oom-kill' && [a.podUid, b.podUid].includes(e.kernel_report.pod_uid ?? '')).length === 3,
      'the collector to journal both kills',
    );
    expect(t.slack.calls.slice(mark)).toEqual([]); // nobody watching

    watch = await startWatch();
    const second = await alertFor(b.podUid, 'OOM kill');
    expect(allText(second)).toContain(`pod ${b.podUid}`);
    const updated = await t.slack.waitFor((c) => c.method === 'chat.update' && c.args.ts === ts);
    expect(allText(updated)).toContain('2 events');
    await sleep(1500);
    expect(alertsAbout(a.podUid)).toHaveLength(1);
    expect(alertsAbout(b.podUid)).toHaveLength(1);
    expect(t.slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts)).toHaveLength(1);
  });

  it('reading a journal from its start (no cursor): old kernel reports and conditions that cleared are not alerted; a condition still raised is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whystuck-watch-'));
    dirs.push(dir);
    const store = openSqliteStore(join(dir, 'fresh.db'));
    const pod = createPodCgroup();
    await spawnZombies(3, pod);
    await sleep(1200);
    await spawnZombies(2, pod);
    await waitFor(
      () => h.journal!.after(0, 100000).some((e) => e.condition?.kind === 'zombie-growth' && e.condition.pod_uid === pod.podUid && e.condition.state === 'RAISED'),
      'the zombie growth raised',
    );
    // Earlier tests' conditions must have cleared in the journal first (their pods were torn
    // down, but the collector notices at its next look): a condition still raised is alerted, rightly.
    const stillRaised = (): string[] => {
      const open = new Set<string>();
      for (const e of h.journal!.after(0, 100000)) {
        const c = e.condition;
        if (!c?.pod_uid || c.pod_uid === pod.podUid) continue;
        const key = `${c.kind}|${c.pod_uid}`;
        if (c.state === 'RAISED') open.add(key);
        else open.delete(key);
      }
      return [...open];
    };
    await waitFor(() => stillRaised().length === 0, 'earlier conditions to clear');
    const earlier = h.journal!.after(0, 100000).filter((e) => e.kernel_report?.pod_uid || (e.condition?.pod_uid && e.condition.pod_uid !== pod.podUid));
    expect(earlier.length).toBeGreaterThan(0);
    // A second bot, two hours later by its clock, with nothing stored: it reads the whole journal.
    const later = await startWatch({ store, watch: { ...t.config.watch!, channel: 'C0REPLAY' }, now: () => Date.now() + 2 * 3600_000 });
    try {
      const alert = await t.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0REPLAY' && allText(c).includes(pod.podUid), 20000);
      expect(allText(alert)).toContain('Zombies piling up');
      await sleep(1500);
      const replayed = t.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0REPLAY' && c.args.thread_ts === undefined);
      for (const e of earlier) {
        const uid = e.kernel_report?.pod_uid || e.condition?.pod_uid || '';
        expect(replayed.filter((c) => allText(c).includes(uid))).toEqual([]);
      }
      expect(replayed.filter((c) => allText(c).includes(pod.podUid))).toHaveLength(1);
      expect(await store.kmsgCursor('node-a')).toEqual({ journalId: h.journal!.id, seq: expect.any(Number) });
    } finally {
      await later.stop();
      await store.close();
    }
  });

  it("the collector restarts (a new journal): the stream reconnects with backoff, the new journal's replay of the kernel ring alerts nothing twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whystuck-watch-'));
    dirs.push(dir);
    const store = openSqliteStore(join(dir, 'restart.db'));
    const harnessOpts = { watch: { observeMs: 500, kmsgPollMs: 100, thresholds: { dTasks: 3, zombies: 3, persistMs: 1000 } } };
    const first = await startHarness(harnessOpts);
    first.watcher!.start();
    let current: Harness = first;
    let second: Harness | undefined;
    const local = createBotMetrics();
    const collectors = {
      ...t.collectors,
      forNode: async () => ({ status: 'ok' as const, client: current.client('whystuck-bot'), address: current.address, where: current.address }),
      nodes: async () => ({ nodes: ['node-a'], problems: [] }),
    };
    const m = await startWatch({ store, collectors, metrics: local, watch: { ...t.config.watch!, channel: 'C0RESTART' }, backoff: () => createBackoff({ initialMs: 50, maxMs: 400 }) });
    const restarted = (needle: string): SlackCall[] => alertsAbout(needle, 'C0RESTART');
    try {
      await waitFor(() => {
        void local.watchStreams.get().then((g) => {
          open = g.values[0]?.value ?? 0;
        });
        return open === 1;
      }, 'the stream to the first collector');
      const p = createPodCgroup({ memoryLimitBytes: 32 * MiB });
      await oomKill(p);
      await t.slack.waitFor((c) => c.args.channel === 'C0RESTART' && c.args.thread_ts === undefined && allText(c).includes(p.podUid));
      const ts = String(restarted(p.podUid)[0].reply?.ts);

      second = await startHarness(harnessOpts);
      second.watcher!.start();
      current = second;
      await first.close(); // the stream breaks; the bot reconnects to the new collector process
      const q = createPodCgroup({ memoryLimitBytes: 32 * MiB });
      await oomKill(q);
      await t.slack.waitFor((c) => c.args.channel === 'C0RESTART' && c.args.thread_ts === undefined && allText(c).includes(q.podUid), 30000);
      await waitFor(() => {
        void store.kmsgCursor('node-a').then((c) => {
          cursorJournal = c?.journalId;
        });
        return cursorJournal === second!.journal!.id;
      }, 'the cursor on the new journal');
      expect(second.journal!.after(0, 100000).some((e) => e.kernel_report?.pod_uid === p.podUid)).toBe(true); // replayed from the ring…
      await sleep(1000);
      expect(restarted(p.podUid)).toHaveLength(1); // …and not alerted again
      expect(t.slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === ts)).toEqual([]);
      expect(restarted(q.podUid)).toHaveLength(1);
    } finally {
      await m.stop();
      await store.close();
      await second?.close();
      if (current === first) await first.close();
    }
  });
  let open = 0;
  let cursorJournal: string | undefined;

  it('metrics: watch events by kind, alerts, incidents, escalations, diagnoses by finding id, remediations, questions', async () => {
    const mark = t.slack.calls.length;
    await t.send(slashCommandBody('node node-a', 'U0ONCALL', 'C0INCIDENT'));
    await t.slack.waitFor((c) => t.slack.calls.indexOf(c) >= mark && c.method === 'chat.postMessage' && c.args.thread_ts !== undefined && Array.isArray(c.args.blocks));
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/whystuck_bot_watch_events_total\{type="kernel_report",kind="oom-kill"\} [1-9]/);
    expect(text).toMatch(/whystuck_bot_watch_events_total\{type="condition",kind="d-pileup"\} [1-9]/);
    expect(text).toMatch(/whystuck_bot_alerts_total\{outcome="posted"\} [1-9]/);
    expect(text).toMatch(/whystuck_bot_alerts_total\{outcome="resolved"\} [1-9]/);
    expect(text).toMatch(/whystuck_bot_escalations_total\{how="watch",result="ok"\} [1-9]/);
    expect(text).toMatch(/whystuck_bot_diagnoses_total\{finding_id="zombie"\} [1-9]/);
    expect(text).toMatch(/whystuck_bot_remediations_total\{outcome="SIGNALLED"\} 1/);
    expect(text).toMatch(/whystuck_bot_questions_total\{intent="node"\} 1/);
    expect(text).toMatch(/whystuck_bot_watch_streams 1/);
    expect(text).toMatch(/whystuck_bot_alert_latency_seconds_count [1-9]/);
    expect(text).toContain('whystuck_bot_incidents_open');
  });
});
