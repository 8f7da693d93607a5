import { withAllHistory } from '../../../bot/src/diagnosis/all-history';
import { diagnose } from '../../../bot/src/diagnosis/engine';
import type { Diagnosis, Finding } from '../../../bot/src/diagnosis/finding';
import { scopeDiagnosis } from '../../../bot/src/diagnosis/scope-findings';
import { whenWords } from '../../../bot/src/diagnosis/when-words';
import { evidenceFromSnapshot } from '../../../bot/src/evidence/from-snapshot';
import { parsePaste } from '../../../bot/src/paste/paste-reader';
import { spanWords, styleFor, windowWords } from '../../../bot/src/render/history-words';
import { renderText } from '../../../bot/src/render/render-text';
import { hungTaskReport, oomKillReport, podUid, stuckStat, timedSnapshot, zombiePod, type LogLine } from '../../helpers/bot/timed-snapshot';

const look = (s: Parameters<typeof timedSnapshot>[0]): { d: Diagnosis; ev: ReturnType<typeof evidenceFromSnapshot> } => {
  const ev = evidenceFromSnapshot(timedSnapshot(s));
  return { ev, d: diagnose(ev) };
};
const names = (f: Finding, pid: number): boolean => f.tasks.some((t) => t.pid === pid || t.tid === pid);
const style = { reference: 'snapshot' as const };

describe('now versus then on a live snapshot', () => {
  it('a task in D now that the watchdog reported 10 minutes ago: "now", since the report\'s time, nothing "earlier" about it', () => {
    const { d } = look({ uptime: 5000, tasks: [stuckStat(2308, 4390)], log: hungTaskReport(4400, 2308) });
    const about = d.findings.filter((f) => names(f, 2308));
    expect(about.map((f) => f.id)).toEqual(expect.arrayContaining(['hung-task', 'uninterruptible-io']));
    expect(about.filter((f) => f.id === 'hung-task')).toHaveLength(1);
    for (const f of about) {
      expect(f.when).toBe('now');
      expect(f.first_seen).toEqual({ log_time: '4400.000000', at: '2025-12-05T08:13:20Z', seconds_ago: 600 });
      expect(f.last_seen).toEqual({ at: '2025-12-05T08:23:20Z', seconds_ago: 0 });
      expect(whenWords(f, style)).toMatch(/^since at least \d\d:\d\d \(10 min ago\), still now$/);
    }
    expect(d.findings.some((f) => f.when === 'earlier')).toBe(false);
  });

  it('the report\'s task is gone and a zombie pod is live: the zombies lead; the report is "earlier", 41 min ago, never counted in D, load or a signal', () => {
    const pod = podUid(1);
    const { d, ev } = look({ uptime: 5000, loadavg: { one: 2.5, five: 2.4, fifteen: 2 }, tasks: zombiePod(900, 3, pod, 4900), log: hungTaskReport(2540, 2308) });
    expect(d.findings.map((f) => `${f.when} ${f.id}`)).toEqual(['now zombie', 'earlier hung-task']);
    expect(d.summary).toMatch(/^3 zombies/);
    const [zombies, report] = d.findings;
    expect(zombies.tasks).toEqual(expect.arrayContaining([expect.objectContaining({ pid: 900, podUid: pod })]));
    expect(report.last_seen).toEqual({ log_time: '2540.000000', at: '2025-12-05T07:42:20Z', seconds_ago: 2460 });
    expect(whenWords(report, style)).toMatch(/^earlier: \d\d:\d\d \(41 min ago\)$/);
    expect(report.title).toBe('Hung task: stat:2308 blocked for more than 5 s in request_wait_answer');
    expect(report.remediations.some((r) => r.action === 'signal')).toBe(false);
    expect(report.remediations.map((r) => r.why).join(' ')).toMatch(/nothing to signal/);
    // The report's task was never a live task: not in the task table, not in D totals.
    expect(ev.tasks.some((t) => t.tid === 2308)).toBe(false);
    expect(ev.logTasks?.some((t) => t.tid === 2308 && t.state === 'D')).toBe(true);
    const text = renderText(ev, d);
    expect(text.slice(0, text.indexOf('Earlier, from the log'))).not.toMatch(/2308|uninterruptible|still wait|Load average/);
    expect(text).toMatch(/Earlier, from the log \(since boot, 83 min ago; the kernel log has all of it\): 1 finding, none of it live now\./);
  });

  it('a pid reused after the report is another process: its report is history, the live task in D is current without a "since"', () => {
    const { d } = look({ uptime: 5000, tasks: [stuckStat(2308, 4500)], log: hungTaskReport(4400, 2308) });
    const hung = d.findings.find((f) => f.id === 'hung-task');
    expect(hung?.when).toBe('earlier');
    const io = d.findings.find((f) => f.id === 'uninterruptible-io');
    expect(io?.when).toBe('now');
    expect(io?.first_seen).toBeUndefined();
  });

  it('the same task in D now but in another wait: the report was another condition, history', () => {
    const nfs = {
      ...stuckStat(2308, 4390),
      wchan: 'rpc_wait_bit_killable',
      stack: [
        { function: 'rpc_wait_bit_killable', offset: '+0x1e/0xa0', module: 'sunrpc' },
        { function: '__rpc_execute', offset: '+0x11e/0x3e0', module: 'sunrpc' },
      ],
    };
    const { d } = look({ uptime: 5000, tasks: [nfs], log: hungTaskReport(4400, 2308) });
    expect(d.findings.find((f) => f.id === 'hung-task')?.when).toBe('earlier');
    for (const f of d.findings.filter((x) => x.when === 'now')) expect(f.first_seen).toBeUndefined();
  });

  it('17 OOM kills in 14 pods over 52 minutes are one finding, counted by pod, most recent 3 min ago', () => {
    const uptime = 10_000;
    const log: LogLine[] = [];
    const kills: [number, number][] = []; // [pod index, seconds before the snapshot]
    for (let i = 0; i < 17; i++) kills.push([i < 14 ? i : i - 14, 52 * 60 - (i * (49 * 60)) / 16]);
    kills.forEach(([p, ago], i) => log.push(...oomKillReport(uptime - ago, 30_000 + i, podUid(p))));
    const { d } = look({ uptime, log });
    expect(d.findings).toHaveLength(1);
    const [f] = d.findings;
    expect(f).toMatchObject({ id: 'oom-kill', when: 'earlier', count: 17 });
    expect(f.title).toBe('17 OOM kills in 14 pods over the last 52 min (python3, limit 64 MiB; most recent 3 min ago)');
    expect(f.breakdown).toHaveLength(14);
    expect(f.breakdown!.find((p) => p.podUid === podUid(0))).toMatchObject({ count: 2, pids: [30_000, 30_014], detail: 'python3, limit 64 MiB' });
    expect(d.summary).toBe('Nothing stuck now. Earlier: 17 OOM kills in 14 pods over the last 52 min (python3, limit 64 MiB; most recent 3 min ago).');
    expect(whenWords(f, style)).toMatch(/^earlier: 17 times between \d\d:\d\d and \d\d:\d\d, last 3 min ago$/);
    // Asked about one pod (it has a live task again): its own kills, titled for it.
    const ev = evidenceFromSnapshot(timedSnapshot({ uptime, log, tasks: zombiePod(700, 1, podUid(0), 9990) }));
    const scoped = scopeDiagnosis(ev, diagnose(ev), { podUid: podUid(0) });
    if (scoped.status !== 'ok') throw new Error(scoped.message);
    const own = scoped.diagnosis.findings.find((x) => x.id === 'oom-kill');
    expect(own).toMatchObject({ count: 2, when: 'earlier' });
    expect(own!.title).toBe(`2 OOM kills in pod ${podUid(0)} over the last 52 min (python3, limit 64 MiB; most recent 9 min ago)`);
    expect(own!.breakdown).toHaveLength(1);
  });

  it('history older than 24 h is kept aside for "all history"; the log\'s span and lost records are stated', () => {
    const uptime = 3 * 86_400;
    const { d } = { d: diagnose(evidenceFromSnapshot(timedSnapshot({ uptime, firstSeq: 5000, log: [...hungTaskReport(uptime - 30 * 3600, 2308), ...oomKillReport(uptime - 600, 4242, podUid(3))] }))) };
    expect(d.findings.map((f) => f.id)).toEqual(['oom-kill']);
    expect(d.history).toMatchObject({ window_seconds: 86_400, reference: 'snapshot', log_overwritten: true, log_from: { seconds_ago: 30 * 3600 } });
    expect(d.history!.older.map((f) => f.id)).toEqual(['hung-task']);
    expect(windowWords(d.history!)).toBe('the last 24 h');
    expect(spanWords(d.history!, styleFor(d))).toMatch(/^the kernel log reaches back to Dec \d+ \d\d:\d\d \(30 h ago\); older records were overwritten$/);
    const all = withAllHistory(d);
    expect(all.findings.map((f) => f.id)).toEqual(['oom-kill', 'hung-task']);
    expect(all.history).toMatchObject({ window_seconds: 'all', older: [] });
  });

  it('a memory cgroup under OOM now is current; its past kills stay one history finding', () => {
    const pod = podUid(5);
    const snap = timedSnapshot({ uptime: 5000, log: oomKillReport(4000, 4242, pod) });
    snap.node!.memcg_oom = [{ cgroup_path: `/kubepods/burstable/pod${pod}/c1`, pod_uid: pod, oom_kill: 1, under_oom: false }];
    let d = diagnose(evidenceFromSnapshot(snap));
    expect(d.findings.map((f) => `${f.when} ${f.id}`)).toEqual(['earlier oom-kill']);
    snap.node!.memcg_oom = [{ cgroup_path: `/kubepods/burstable/pod${pod}/c1`, pod_uid: pod, oom_kill: 2, under_oom: true }];
    d = diagnose(evidenceFromSnapshot(snap));
    expect(d.findings.map((f) => `${f.when} ${f.severity} ${f.id}`)).toEqual(['now critical oom-kill', 'earlier warning oom-kill']);
    expect(d.findings[0].title).toBe(`Memory cgroup of pod ${pod} is under OOM now (2 OOM kills so far)`);
  });
});

describe('now versus then in a paste with timestamps', () => {
  const paste = (lines: LogLine[], clock: (t: number) => string): string => lines.map((l) => `${clock(l.t)} node-7 kernel: ${l.text}`).join('\n');
  const syslog = (t: number): string => {
    const d = new Date(Date.UTC(2025, 11, 5, 6, 0, 0) + t * 1000);
    return `Dec  5 ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
  };

  it('is relative to the newest line: an old hung-task report is "earlier", the recent OOM kills lead, grouped', () => {
    // 07:12 a hung task; 07:48 and 07:50 OOM kills in two pods; the paste ends 07:53.
    const lines = [...hungTaskReport(4320, 2308), ...oomKillReport(6480, 5001, podUid(1)), ...oomKillReport(6600, 5002, podUid(2)), { t: 6780, text: 'eth0: link up' }];
    const d = diagnose(parsePaste(paste(lines, syslog)));
    expect(d.findings.map((f) => `${f.when} ${f.id}`)).toEqual(['now oom-kill', 'earlier hung-task']);
    const [oom, hung] = d.findings;
    expect(oom).toMatchObject({ count: 2, title: '2 OOM kills in 2 pods in the 5 min before the last line (python3, limit 64 MiB; most recent 3 min before the last line)' });
    expect(hung.last_seen).toEqual({ log_time: 'Dec  5 07:12:00', seconds_ago: 41 * 60 });
    expect(whenWords(hung, { reference: 'newest line' })).toBe('earlier: 07:12 (41 min before the last line)');
    expect(d.history).toMatchObject({ reference: 'newest line', reference_at: { log_time: 'Dec  5 07:53:00', seconds_ago: 0 }, log_from: { log_time: 'Dec  5 07:12:00' } });
    // The task only the old report shows is not counted in D.
    expect(d.findings.some((f) => f.id === 'uninterruptible-io')).toBe(false);
  });

  it('without timestamps everything is as of the paste: "now", no history', () => {
    const d = diagnose(
      parsePaste(
        hungTaskReport(0, 2308)
          .map((l) => l.text)
          .join('\n'),
      ),
    );
    expect(d.findings.length).toBeGreaterThan(0);
    for (const f of d.findings) expect(f.when).toBe('now');
    expect(d.history).toBeUndefined();
  });
});
