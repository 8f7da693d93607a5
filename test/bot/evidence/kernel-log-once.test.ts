import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { evidenceFromSnapshot, kernelLogCache } from '../../../bot/src/evidence/from-snapshot';

/** A node's kernel log as a snapshot carries it: a hung-task report among ordinary lines. */
function snapshot(opts: { hostname?: string; extra?: string } = {}): SnapshotResponse {
  const lines = [
    'Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)',
    'EXT4-fs (sda1): mounted filesystem with ordered data mode',
    'INFO: task postgres:48211 blocked for more than 122 seconds.',
    '      Not tainted 6.1.0-18-amd64 #1 Debian 6.1.76-1',
    '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
    'task:postgres        state:D stack:0     pid:48211 ppid:48190 flags:0x00004002',
    'Call Trace:',
    ' <TASK>',
    ' __schedule+0x34d/0x9e0',
    ' schedule+0x5a/0xd0',
    ' rpc_wait_bit_killable+0xd/0x60 [sunrpc]',
    ' __wait_on_bit+0x4b/0x140',
    ' nfs_wait_on_request+0x3a/0x50 [nfs]',
    ' </TASK>',
    'nfs: server 10.0.0.7 not responding, still trying',
    ...(opts.extra ? [opts.extra] : []),
  ];
  return {
    node: { hostname: opts.hostname ?? 'node-7', boot_time_unix: '1796400000', kernel_release: '6.1.0-18-amd64' },
    tasks: [],
    kmsg: lines.map((text, i) => ({ seq: String(100 + i), monotonic_us: String(5_000_000 + i * 1000), level: 6, text })),
    kmsg_next_seq: String(100 + lines.length),
    taken_at_unix_ms: '1796401000000',
  } as SnapshotResponse;
}

describe("a node's kernel log is read once per snapshot, not once per question", () => {
  beforeEach(() => kernelLogCache.clear());

  it('answers the same records from one reading, each caller with its own copy', () => {
    const reads = kernelLogCache.reads();
    const first = evidenceFromSnapshot(snapshot());
    // Fifty questions answered from one coalesced snapshot: each decodes its own copy of the same bytes.
    const others = Array.from({ length: 49 }, () => evidenceFromSnapshot(structuredClone(snapshot())));
    expect(kernelLogCache.reads() - reads).toBe(1);
    expect(first.reports.length).toBeGreaterThan(0);
    expect(first.reports.some((r) => /48211|postgres/.test(JSON.stringify(r)))).toBe(true);
    for (const ev of others) {
      expect(ev.reports).toEqual(first.reports);
      expect(ev.backend).toEqual(first.backend);
      expect(ev.notes).toEqual(first.notes);
      expect(ev.logTasks).toEqual(first.logTasks);
      expect(ev.reports).not.toBe(first.reports);
    }
    // What one caller does to its copy, no other sees.
    (others[0].reports[0] as unknown as Record<string, unknown>).scribbled = true;
    expect(JSON.stringify(others[1].reports[0])).not.toMatch(/scribbled/);
    expect(JSON.stringify(evidenceFromSnapshot(snapshot()).reports[0])).not.toMatch(/scribbled/);
  });

  it('reads what it would read without the cache', () => {
    const cached = (evidenceFromSnapshot(snapshot()), evidenceFromSnapshot(snapshot()));
    kernelLogCache.clear();
    const fresh = evidenceFromSnapshot(snapshot());
    expect(cached.reports).toEqual(fresh.reports);
    expect(cached.backend).toEqual(fresh.backend);
    expect(cached.missing).toEqual(fresh.missing);
    expect(cached.clock).toEqual(fresh.clock);
  });

  it('reads again when the records differ: another node, a new record', () => {
    const reads = kernelLogCache.reads();
    evidenceFromSnapshot(snapshot());
    evidenceFromSnapshot(snapshot({ hostname: 'node-8' }));
    evidenceFromSnapshot(snapshot({ extra: 'nfs: server 10.0.0.7 OK' }));
    expect(kernelLogCache.reads() - reads).toBe(3);
  });
});
