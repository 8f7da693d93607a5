import { section, type RemoteRecord } from './remote-records';
import { parseRemoteErrors, taskOfPath } from './remote-errors';

/** What one `collect.sh scan` run read, by file. */
export interface RemoteScan {
  /** tid -> tgid and the thread's stat line. */
  stats: Map<number, { tgid: number; text: string }>;
  /** tgid -> /proc/TGID/status. */
  status: Map<number, string>;
  /** tgid -> /proc/TGID/cgroup. */
  cgroup: Map<number, string>;
  /** tgid -> inode of /proc/TGID/ns/pid. */
  pidNs: Map<number, number>;
  /** First and second sample: /proc/stat and /proc/uptime. */
  cpu1: Map<string, string>;
  cpu2: Map<string, string>;
  /** Node files by path relative to /proc (loadavg, pressure/io, sys/kernel/...). */
  node: Map<string, string>;
  /** `ls -l /sys/dev/block`. */
  blockLinks: string;
  /** Cgroup hierarchy markers that exist (absolute paths). */
  cgroupMarkers: string[];
  /** Pod cgroup state files, by absolute path. */
  cgroupFiles: Map<string, string>;
  /** Processes that exited while they were read (their status or cgroup vanished): left out, as the collector leaves them. */
  vanished: Set<number>;
  /** The kernel log as /dev/kmsg gives it, dd's error line, and `dmesg -r` when /dev/kmsg could not be opened. */
  kmsg?: { raw: string; error: string; dmesg?: string };
}

const THREAD_STAT = /^(\d+)\/task\/(\d+)\/stat$/;
const PROCESS_FILE = /^(\d+)\/(status|cgroup)$/;
const NS_LINK = /(?:^|\s)(\d+)\/ns\/pid -> pid:\[(\d+)\]$/;

export function readRemoteScan(records: RemoteRecord[], stderr = ''): RemoteScan {
  const scan: RemoteScan = {
    stats: new Map(),
    status: new Map(),
    cgroup: new Map(),
    pidNs: new Map(),
    vanished: new Set(),
    cpu1: new Map(),
    cpu2: new Map(),
    node: new Map(),
    blockLinks: '',
    cgroupMarkers: [],
    cgroupFiles: new Map(),
  };
  for (const r of section(records, 'cpu1')) scan.cpu1.set(r.name, r.text);
  for (const r of section(records, 'cpu2')) scan.cpu2.set(r.name, r.text);
  for (const r of section(records, 'tasks')) {
    let m = THREAD_STAT.exec(r.name);
    if (m) {
      scan.stats.set(Number(m[2]), { tgid: Number(m[1]), text: r.text });
      continue;
    }
    m = PROCESS_FILE.exec(r.name);
    if (m) {
      (m[2] === 'status' ? scan.status : scan.cgroup).set(Number(m[1]), r.text);
      continue;
    }
    if (r.name === 'ls-ns') {
      for (const line of r.text.split('\n')) {
        const ns = NS_LINK.exec(line);
        if (ns) scan.pidNs.set(Number(ns[1]), Number(ns[2]));
      }
    }
  }
  for (const r of section(records, 'node')) {
    if (r.name === 'ls-block') scan.blockLinks = r.text;
    else scan.node.set(r.name, r.text);
  }
  for (const r of section(records, 'cgroups')) {
    if (r.name === 'exists') scan.cgroupMarkers.push(r.text);
    else if (r.name.startsWith('/sys/fs/cgroup/')) scan.cgroupFiles.set(r.name, r.text);
  }
  for (const e of parseRemoteErrors(stderr).errors) {
    if ((e.code === 'ENOENT' || e.code === 'ESRCH') && /^\/proc\/\d+\/(status|cgroup)$/.test(e.path)) scan.vanished.add(taskOfPath(e.path).pid);
  }
  const kmsg = section(records, 'kmsg');
  if (kmsg.length > 0) {
    const get = (n: string): string | undefined =>
      kmsg
        .filter((r) => r.name === n)
        .map((r) => r.text)
        .pop();
    // A retried read (records overwritten meanwhile) repeats the ring: the last read is the complete one.
    scan.kmsg = { raw: get('kmsg') ?? '', error: get('kmsg-error') ?? '', dmesg: get('dmesg') };
  }
  return scan;
}
