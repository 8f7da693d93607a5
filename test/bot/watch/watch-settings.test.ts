import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMetricsServer } from '../../../collector/src/watch/metrics-server';
import type { WatchEvent__Output } from '../../../proto/generated/whystuck/v1/WatchEvent';
import { runConfigCheck } from '../../../bot/src/cli/run-bot';
import { ConfigError, loadConfig } from '../../../bot/src/config';
import { createBotMetrics } from '../../../bot/src/metrics/bot-metrics';
import { alertEventFrom, DEFAULT_PAGE_KINDS, type AlertEvent } from '../../../bot/src/watch/alert-event';
import { alertMessage } from '../../../bot/src/watch/alert-message';
import { createAlertPolicy, inQuietHours } from '../../../bot/src/watch/alert-policy';
import { createBackoff } from '../../../bot/src/watch/backoff';

const BASE = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
const configError = (env: Record<string, string>, file?: string): ConfigError => {
  try {
    loadConfig({ ...BASE, ...env }, file);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('no ConfigError');
};

describe('watch-mode settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'whystuck-watch-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('off without an alert channel; defaults when only the channel is set', () => {
    expect(loadConfig(BASE, undefined).watch).toBeUndefined();
    expect(loadConfig({ ...BASE, WHYSTUCK_ALERT_CHANNEL: 'C0ALERTS' }, undefined).watch).toEqual({
      channel: 'C0ALERTS',
      policy: { rateLimit: { max: 10, windowMs: 15 * 60_000 }, quietHours: undefined, mute: [], pageKinds: [...DEFAULT_PAGE_KINDS] },
      resolveAfterMs: 15 * 60_000,
      maxAgeMs: 5 * 60_000,
    });
    expect([...DEFAULT_PAGE_KINDS].sort()).toEqual(['d-pileup', 'hard-lockup', 'hung-task', 'pidns-teardown', 'rcu-stall', 'soft-lockup', 'storage-backend']);
  });

  it('every setting from the environment, and from the YAML file (the environment wins)', () => {
    const w = loadConfig(
      {
        ...BASE,
        WHYSTUCK_ALERT_CHANNEL: 'G0PRIVATE',
        WHYSTUCK_ALERT_RATE_LIMIT: '3/1h',
        WHYSTUCK_ALERT_QUIET_HOURS: '22:30-06:00',
        WHYSTUCK_ALERT_MUTE: 'zombie-growth, node-7/oom-kill',
        WHYSTUCK_ALERT_PAGE_KINDS: 'hard-lockup,d-pileup',
        WHYSTUCK_ALERT_RESOLVE_AFTER_MINUTES: '0.5',
        WHYSTUCK_WATCH_MAX_AGE_MINUTES: '2',
        WHYSTUCK_METRICS_LISTEN: '0.0.0.0:9465',
      },
      undefined,
    );
    expect(w.watch).toEqual({
      channel: 'G0PRIVATE',
      policy: { rateLimit: { max: 3, windowMs: 3_600_000 }, quietHours: { startMin: 22 * 60 + 30, endMin: 360 }, mute: ['zombie-growth', 'node-7/oom-kill'], pageKinds: ['hard-lockup', 'd-pileup'] },
      resolveAfterMs: 30_000,
      maxAgeMs: 120_000,
    });
    expect(w.metricsListen).toEqual({ host: '0.0.0.0', port: 9465 });

    const file = join(dir, 'bot.yaml');
    writeFileSync(
      file,
      [
        'alertChannel: C0FILE',
        'alertRateLimit: "off"',
        'alertQuietHours: "23:00-07:00"',
        'alertMute: [node-9]',
        'alertPageKinds: []',
        'alertResolveAfterMinutes: 45',
        'metricsListen: "127.0.0.1:0"',
      ].join('\n'),
    );
    const f = loadConfig({ ...BASE, WHYSTUCK_CONFIG: file }, file);
    expect(f.watch).toMatchObject({ channel: 'C0FILE', policy: { rateLimit: undefined, quietHours: { startMin: 1380, endMin: 420 }, mute: ['node-9'], pageKinds: [] }, resolveAfterMs: 45 * 60_000 });
    expect(f.metricsListen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(loadConfig({ ...BASE, WHYSTUCK_CONFIG: file, WHYSTUCK_ALERT_CHANNEL: 'C0ENV', WHYSTUCK_ALERT_PAGE_KINDS: 'none' }, file).watch).toMatchObject({
      channel: 'C0ENV',
      policy: { pageKinds: [] },
    });
  });

  it('bad values stop the bot at start naming the key, the value and what is allowed', () => {
    expect(configError({ WHYSTUCK_ALERT_CHANNEL: '#alerts' }).message).toBe(
      'WHYSTUCK_ALERT_CHANNEL: "#alerts" is not a Slack channel id: use the id (C… or G…, in the channel\'s details), not its name',
    );
    expect(configError({ WHYSTUCK_ALERT_CHANNEL: 'C0A', WHYSTUCK_ALERT_RATE_LIMIT: 'ten' }).message).toMatch(/^WHYSTUCK_ALERT_RATE_LIMIT: "ten" must be MAX\/WINDOW .* "10\/15m"/);
    expect(configError({ WHYSTUCK_ALERT_CHANNEL: 'C0A', WHYSTUCK_ALERT_QUIET_HOURS: '25:00-07:00' }).message).toMatch(/^WHYSTUCK_ALERT_QUIET_HOURS: "25:00-07:00" must be HH:MM-HH:MM in UTC/);
    expect(configError({ WHYSTUCK_ALERT_CHANNEL: 'C0A', WHYSTUCK_ALERT_PAGE_KINDS: 'oom' }).message).toMatch(/^WHYSTUCK_ALERT_PAGE_KINDS: "oom" is not a watch kind; allowed: hung-task, .*oom-kill/);
    expect(configError({ WHYSTUCK_ALERT_CHANNEL: 'C0A', WHYSTUCK_ALERT_RESOLVE_AFTER_MINUTES: '0' }).key).toBe('WHYSTUCK_ALERT_RESOLVE_AFTER_MINUTES');
    expect(configError({ WHYSTUCK_ALERT_MUTE: 'zombie-growth' }).message).toMatch(/^WHYSTUCK_ALERT_CHANNEL: not set, but WHYSTUCK_ALERT_MUTE is/);
    expect(configError({ WHYSTUCK_METRICS_LISTEN: '9465' }).message).toMatch(/^WHYSTUCK_METRICS_LISTEN: "9465" must be HOST:PORT/);
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'alertChanel: C0TYPO\n');
    expect(configError({}, file).message).toMatch(/Unrecognized key/);
  });

  it('config check says where alerts go and under which rules', async () => {
    const out: string[] = [];
    await runConfigCheck(
      { ...BASE, WHYSTUCK_DB: join(dir, 'check.db'), WHYSTUCK_ALERT_CHANNEL: 'C0ALERTS', WHYSTUCK_ALERT_QUIET_HOURS: '22:00-07:00', WHYSTUCK_ALERT_MUTE: 'node-9' },
      { write: (s: string) => out.push(s) },
      { write: () => true },
    );
    expect(out.join('')).toContain(
      'watch mode: alerts to C0ALERTS; at most 10 new per 15 min; quiet 22:00-07:00 UTC (only paging alerts); paging: hung-task, soft-lockup, hard-lockup, rcu-stall, storage-backend, d-pileup, pidns-teardown; muted: node-9; resolve after 15 min quiet',
    );
    expect(out.join('')).toContain('metrics: off (WHYSTUCK_METRICS_LISTEN)');
  });
});

const ev = (over: Partial<AlertEvent> = {}): AlertEvent => ({
  node: 'node-a',
  kind: 'oom-kill',
  action: 'report',
  key: 'node-a|oom-kill|uid',
  podUid: 'uid',
  findingId: 'oom-kill',
  severity: 'warning',
  title: 'OOM kill',
  text: 'Killed process 1',
  atMs: 0,
  ...over,
});

describe('alert policy: rate limit, quiet hours, mute, paging', () => {
  it('at most N new alerts per window and channel, the window sliding', () => {
    let now = 1_000_000;
    const p = createAlertPolicy({ rateLimit: { max: 2, windowMs: 60_000 }, mute: [], pageKinds: [] }, () => now);
    expect(p.admit('C1', ev())).toEqual({ post: true, page: false });
    now += 10_000;
    expect(p.admit('C1', ev())).toEqual({ post: true, page: false });
    expect(p.admit('C1', ev())).toEqual({ post: false, reason: 'rate-limit', page: false });
    expect(p.admit('C2', ev())).toEqual({ post: true, page: false }); // per channel
    now += 50_001; // the first one left the window
    expect(p.admit('C1', ev())).toEqual({ post: true, page: false });
    expect(p.admit('C1', ev())).toMatchObject({ post: false });
  });

  it('quiet hours (UTC, across midnight) hold alerts that do not page; paging kinds always post', () => {
    const at = (hhmm: string): number => Date.parse(`2026-12-01T${hhmm}:00Z`);
    const q = { startMin: 22 * 60, endMin: 7 * 60 };
    expect([at('21:59'), at('22:00'), at('03:00'), at('06:59'), at('07:00')].map((t) => inQuietHours(q, t))).toEqual([false, true, true, true, false]);
    let now = at('23:30');
    const p = createAlertPolicy({ quietHours: q, mute: [], pageKinds: ['hung-task'] }, () => now);
    expect(p.admit('C1', ev())).toEqual({ post: false, reason: 'quiet-hours', page: false });
    expect(p.admit('C1', ev({ kind: 'hung-task' }))).toEqual({ post: true, page: true });
    now = at('08:00');
    expect(p.admit('C1', ev())).toEqual({ post: true, page: false });
  });

  it('mutes kinds, nodes, a kind on a node, and pods', () => {
    const p = createAlertPolicy({ mute: ['zombie-growth', 'node-9', 'node-a/oom-kill', 'pod-x'], pageKinds: [] });
    expect(p.muted(ev({ kind: 'zombie-growth' }))).toBe(true);
    expect(p.muted(ev({ node: 'node-9', kind: 'hung-task' }))).toBe(true);
    expect(p.muted(ev())).toBe(true);
    expect(p.muted(ev({ node: 'node-b' }))).toBe(false);
    expect(p.muted(ev({ node: 'node-b', podUid: 'pod-x' }))).toBe(true);
  });
});

describe('watch events as alerts', () => {
  const base = { journal_id: 'j', seq: 7, at_unix_ms: 1_700_000_000_500, hostname: 'h' } as const;
  it('kernel reports: one incident per node, kind and pod — or device, for storage and netdev reports', () => {
    const oom = alertEventFrom('node-a', {
      ...base,
      event: 'kernel_report',
      kernel_report: {
        kind: 'oom-kill',
        kmsg_seq: 42,
        wall_time_unix_ms: 1_700_000_000_000,
        headline: 'Memory cgroup out of memory: Killed process 9 (python3)',
        detail: 'CONSTRAINT_MEMCG',
        pid: 9,
        comm: 'python3',
        pod_uid: 'u1',
        cgroup_path: '/kubepods/x',
        target: '',
      },
    } as unknown as WatchEvent__Output);
    expect(oom).toMatchObject({
      key: 'node-a|oom-kill|u1',
      action: 'report',
      findingId: 'oom-kill',
      severity: 'warning',
      title: 'OOM kill',
      kmsgSeq: 42,
      atMs: 1_700_000_000_000,
      seenMs: 1_700_000_000_500,
      pid: 9,
    });
    const io = alertEventFrom('node-a', {
      ...base,
      event: 'kernel_report',
      kernel_report: {
        kind: 'storage-backend',
        kmsg_seq: 43,
        wall_time_unix_ms: 1,
        headline: 'nfs: server nfs01 not responding',
        detail: 'nfs-not-responding',
        pid: 0,
        comm: '',
        pod_uid: '',
        cgroup_path: '',
        target: 'nfs01',
      },
    } as unknown as WatchEvent__Output);
    expect(io).toMatchObject({ key: 'node-a|storage-backend|nfs01', severity: 'critical', findingId: 'storage-backend-fault', target: 'nfs01' });
  });

  it('conditions: raised and cleared map to the same incident; heartbeats and lost notices are not alerts', () => {
    const cond = (state: string) =>
      alertEventFrom('node-a', {
        ...base,
        event: 'condition',
        condition: { kind: 'd-pileup', state, pod_uid: 'u2', count: 3, since_unix_ms: 1_699_999_000_000, pids: [1, 2, 3], detail: '3 tasks in uninterruptible sleep (D)' },
      } as unknown as WatchEvent__Output);
    expect(cond('RAISED')).toMatchObject({ key: 'node-a|d-pileup|u2', action: 'raise', atMs: 1_699_999_000_000, pids: [1, 2, 3], severity: 'critical' });
    expect(cond('CLEARED')).toMatchObject({ key: 'node-a|d-pileup|u2', action: 'clear', atMs: 1_700_000_000_500 });
    expect(alertEventFrom('node-a', { ...base, event: 'heartbeat', heartbeat: { last_seq: 7 } } as unknown as WatchEvent__Output)).toBeUndefined();
    expect(alertEventFrom('node-a', { ...base, event: 'lost', lost: { from_seq: 1, count: 5 } } as unknown as WatchEvent__Output)).toBeUndefined();
  });

  it('the message: what, where, when, how often; resolved says why; text from the kernel is escaped', () => {
    const view = {
      incidentId: 12,
      title: 'Hung task',
      severity: 'critical' as const,
      node: 'node-a',
      podUid: 'u1',
      podName: 'shop/web-0',
      latest: 'INFO: task a<b>:9 blocked for more than 2 seconds.',
      firstMs: 1_700_000_000_000,
      lastMs: 1_700_000_060_000,
      events: 3,
    };
    const open = alertMessage(view);
    expect(open.text).toBe('Hung task on node-a, pod shop/web-0 (uid u1)');
    const [section, context] = open.blocks as { text?: { text: string }; elements?: { text: string }[] }[];
    expect(section.text!.text).toBe(':red_circle: *Hung task* · node *node-a* · pod shop/web-0 (uid u1)\n```INFO: task a&lt;b&gt;:9 blocked for more than 2 seconds.```');
    expect(context.elements![0].text).toBe(
      '<!date^1700000000^{date_short} {time_secs}|2023-11-14 22:13:20 UTC> → <!date^1700000060^{date_short} {time_secs}|2023-11-14 22:14:20 UTC> · 3 events · incident #12 · diagnosis in the thread',
    );
    const done = alertMessage({ ...view, resolved: { atMs: 1_700_000_120_000, why: 'the collector sees it gone' } });
    expect(done.text).toBe('Resolved: Hung task on node-a, pod shop/web-0 (uid u1)');
    expect(JSON.stringify(done.blocks)).toContain(':white_check_mark: *Resolved — Hung task*');
    expect(JSON.stringify(done.blocks)).toContain('resolved <!date^1700000120^{date_short} {time_secs}|2023-11-14 22:15:20 UTC>: the collector sees it gone');
  });
});

describe('reconnect backoff and the metrics endpoint', () => {
  it('doubles up to the cap, jittered between half and all of it, and starts again after reset', () => {
    const lo = createBackoff({ initialMs: 500, maxMs: 4000, random: () => 0 });
    expect([1, 2, 3, 4, 5].map(() => lo.next())).toEqual([250, 500, 1000, 2000, 2000]);
    const hi = createBackoff({ initialMs: 500, maxMs: 4000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5].map(() => hi.next())).toEqual([500, 1000, 2000, 4000, 4000]);
    hi.reset();
    expect(hi.next()).toBe(500);
  });

  it('GET /metrics serves the bot registry in the Prometheus text format', async () => {
    const m = createBotMetrics();
    m.watchEvents.inc({ type: 'kernel_report', kind: 'hung-task' });
    const { server, port } = await startMetricsServer(m.registry, '127.0.0.1', 0);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => {
            text += d;
          });
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      expect(body).toContain('# HELP whystuck_bot_watch_events_total');
      expect(body).toContain('whystuck_bot_watch_events_total{type="kernel_report",kind="hung-task"} 1');
      expect(body).toContain('# TYPE whystuck_bot_incidents_open gauge');
    } finally {
      server.close();
    }
  });
});
