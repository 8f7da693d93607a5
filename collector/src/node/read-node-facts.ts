import { hostname, release, version } from 'node:os';
import type { NodeFacts } from '../../../proto/generated/whystuck/v1/NodeFacts';
import type { GuardedReader } from '../procfs/guarded-reader';
import { cpuPercentages, parseProcStat, type CpuSample } from './parse-proc-stat';
import { parsePressure } from './parse-pressure';
import { parseMountinfo } from './parse-mountinfo';
import { blockBacking } from './block-backing';
import { detectCgroupLayout } from '../cgroups/cgroup-layout';
import { readFreezerStates, readMemcgOomEvents } from '../cgroups/read-cgroup-states';

export interface NodeFactsSources {
  procRoot: string;
  sysRoot: string;
  cgroupRoot: string;
  reader: GuardedReader;
}

const SYSCTLS = [
  'kernel/hung_task_timeout_secs',
  'kernel/hung_task_panic',
  'kernel/hung_task_warnings',
  'kernel/softlockup_panic',
  'kernel/watchdog_thresh',
  'kernel/pid_max',
  'kernel/threads-max',
  'kernel/dmesg_restrict',
  'kernel/yama/ptrace_scope',
  'vm/panic_on_oom',
];

/** Reads a small /proc file through the guarded reader: '' when it cannot. */
export async function readSmall(reader: GuardedReader, path: string): Promise<string> {
  const r = await reader.read(path, { deadlineMs: 500 });
  return r.status === 'ok' ? r.text : '';
}

export async function sampleCpu(src: NodeFactsSources): Promise<CpuSample> {
  return parseProcStat(await readSmall(src.reader, `${src.procRoot}/stat`));
}

/**
 * Node-wide facts. Everything under the proc root goes through the guarded
 * reader (the proc root may be a FUSE mount in tests, or wedged on a sick node).
 */
export async function readNodeFacts(src: NodeFactsSources, first: CpuSample, intervalMs: number): Promise<NodeFacts> {
  const p = src.procRoot;
  // One list for the reader thread (each file under the same deadline as a single read): one
  // message each way, not one per file (with eight in flight, the thread waited for this one
  // to send the next while it was busy).
  const paths = [`${p}/stat`, `${p}/loadavg`, `${p}/uptime`, `${p}/meminfo`, `${p}/1/mountinfo`, ...['cpu', 'io', 'memory'].map((r) => `${p}/pressure/${r}`), ...SYSCTLS.map((s) => `${p}/sys/${s}`)];
  const texts = (await src.reader.readMany(paths, { deadlineMs: 500 })).map((r) => (r.status === 'ok' ? r.text : ''));
  const [statText, loadavg, uptime, meminfo, mountinfo1, ...rest] = texts;
  const second = parseProcStat(statText);
  const mountinfo = mountinfo1 || (await readSmall(src.reader, `${p}/self/mountinfo`));
  const pressure = rest.slice(0, 3);
  const sysctlValues = rest.slice(3);
  const la = loadavg.trim().split(/\s+/);
  const [running, total] = (la[3] ?? '0/0').split('/').map(Number);
  const pct = cpuPercentages(first, second);
  const mem = (key: string): string => /(\d+)/.exec(new RegExp(`^${key}:.*$`, 'm').exec(meminfo)?.[0] ?? '')?.[1] ?? '0';
  const layout = detectCgroupLayout(src.cgroupRoot);
  const sysctls: Record<string, string> = {};
  SYSCTLS.forEach((s, i) => {
    if (sysctlValues[i]) sysctls[s.replace(/\//g, '.')] = sysctlValues[i].trim();
  });
  return {
    hostname: hostname(),
    kernel_release: release(),
    kernel_version: version(),
    boot_time_unix: String(second.bootTime),
    uptime_seconds: Number(uptime.split(/\s+/)[0] ?? 0),
    loadavg: { one: Number(la[0] ?? 0), five: Number(la[1] ?? 0), fifteen: Number(la[2] ?? 0), running: running ?? 0, total: total ?? 0 },
    cpu: {
      interval_ms: intervalMs,
      user_pct: pct[0] ?? 0,
      nice_pct: pct[1] ?? 0,
      system_pct: pct[2] ?? 0,
      idle_pct: pct[3] ?? 0,
      iowait_pct: pct[4] ?? 0,
      irq_pct: pct[5] ?? 0,
      softirq_pct: pct[6] ?? 0,
      steal_pct: pct[7] ?? 0,
      procs_running: second.procsRunning,
      procs_blocked: second.procsBlocked,
    },
    pressure: pressure.flatMap((text, i) => parsePressure(['cpu', 'io', 'memory'][i], text)),
    mounts: parseMountinfo(mountinfo, (dev) => blockBacking(dev, src.sysRoot)),
    freezers: readFreezerStates(layout),
    memcg_oom: readMemcgOomEvents(layout),
    // USER_HZ: what /proc reports start times in; 100 on every architecture Kubernetes runs on.
    clock_ticks_per_second: 100,
    cpu_count: second.cpuCount,
    mem_total_kb: mem('MemTotal'),
    mem_available_kb: mem('MemAvailable'),
    cgroup_version: layout.version,
    sysctls,
  };
}
