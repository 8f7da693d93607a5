/**
 * Who holds a pod's volume mounts, read on a guarded reader thread (never on
 * the main thread: a wedged procfs or a mount namespace lock would stall it).
 *
 * One pass over /proc:
 *  1. every process's mount namespace (the ns/mnt link), grouped;
 *  2. one mountinfo per namespace (the first process of it that answers),
 *     the host's (pid 1's, where the kubelet mounts) first: the pod's mounts
 *     are the host's mounts under <pods dir>/<uid>/volumes/ (and
 *     volume-subpaths/); in another namespace the same mount is the one with
 *     the same device and root, or one whose mount point names the pod's
 *     volume directory (a copy the host no longer has);
 *  3. for each process of a namespace that has one of them: its cwd and its
 *     open files (the fd links), as that process sees them, under it.
 * Bounded: at most `maxNamespaces` mountinfo files and `maxFds` fd links.
 * Synchronous on purpose: the reader thread does nothing else meanwhile, and
 * the guard writes the thread off if the pass does not end in time.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { parseStat } from '../procfs/parse-stat';
import { parseCgroupFile, podFromCgroupLines } from '../cgroups/parse-pod-cgroup';

export interface HolderRequest {
  procRoot: string;
  podUid: string;
  /** `<kubelet root>/pods` as the host's mount namespace has it. */
  podsDir: string;
  /** The process whose mount namespace is the host's (the kubelet's): 1. */
  hostPid: number;
  maxNamespaces: number;
  maxFds: number;
  /** Processes named per namespace that holds a copy (how = mount). */
  maxPerNamespace: number;
  /**
   * Time for the open-file and cwd part, counted from the pass's start: what
   * is not read by then is said, and the mounts and namespace holders found
   * still come back (the guard's deadline only ends a pass stuck in a syscall).
   */
  budgetMs: number;
}

export interface PassMount {
  mountId: number;
  device: string;
  root: string;
  /** In the host's namespace; '' for a copy only other namespaces have. */
  mountPoint: string;
  /** The path it was found at (the host's mount point, or the other namespace's). */
  seenAt: string;
  fsType: string;
  source: string;
}

export interface RawHolder {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  flags: number;
  startTicks: number;
  /** The holder's own pod, from its cgroup ('' outside pods or unread). */
  podUid: string;
  /** Mount namespace inode. */
  ns: number;
  how: 'mount' | 'open-file' | 'cwd';
  path: string;
  /** Index into HolderResult.mounts. */
  mount: number;
}

export interface HolderResult {
  hostNs: number;
  /** The reader's own mount namespace (statfs of a host path works directly when it is the host's). */
  ownNs: number;
  mounts: PassMount[];
  holders: RawHolder[];
  namespaces: number;
  processes: number;
  fds: number;
  /** What the bounds cut ("mountinfo of 12 namespaces not read: more than 1024"). */
  truncated: string[];
  /** Reads that failed and matter (the host's mountinfo). */
  errors: string[];
}

interface NsMount {
  id: number;
  device: string;
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function parseMountinfoLines(text: string): NsMount[] {
  const out: NsMount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    out.push({ id: Number(left[0]), device: left[2] ?? '', root: unescape(left[3] ?? ''), mountPoint: unescape(left[4] ?? ''), fsType: right[0] ?? '', source: unescape(right[1] ?? '') });
  }
  return out;
}

const nsInode = (link: string): number => Number(/\[(\d+)\]/.exec(link)?.[1] ?? 0);

function linkOf(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

const PF_KTHREAD = 0x00200000;

const under = (path: string, mp: string): boolean => path === mp || path.startsWith(mp === '/' ? '/' : `${mp}/`);

export function runHolderPass(req: HolderRequest): HolderResult {
  const { procRoot } = req;
  const stopAt = performance.now() + req.budgetMs;
  const result: HolderResult = { hostNs: 0, ownNs: nsInode(linkOf(`${procRoot}/self/ns/mnt`) ?? ''), mounts: [], holders: [], namespaces: 0, processes: 0, fds: 0, truncated: [], errors: [] };
  const pids = readdirSync(procRoot)
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .sort((a, b) => a - b);
  // 1. Mount namespaces.
  const byNs = new Map<number, number[]>();
  for (const pid of pids) {
    const ns = nsInode(linkOf(`${procRoot}/${pid}/ns/mnt`) ?? '');
    if (!ns) continue;
    result.processes++;
    (byNs.get(ns) ?? byNs.set(ns, []).get(ns)!).push(pid);
  }
  result.hostNs = nsInode(linkOf(`${procRoot}/${req.hostPid}/ns/mnt`) ?? '');
  if (!result.hostNs && result.ownNs) {
    // pid 1 not readable (no CAP_SYS_PTRACE over it, or another user namespace): this process's namespace stands for the host's.
    result.hostNs = result.ownNs;
    result.truncated.push(`${procRoot}/${req.hostPid}/ns/mnt is not readable: the collector's own mount namespace is taken as the host's (the kubelet's)`);
    (byNs.get(result.ownNs) ?? byNs.set(result.ownNs, []).get(result.ownNs)!).unshift(-1);
  }
  result.namespaces = byNs.size;

  // 2. The pod's mounts in the host's namespace, then the same mounts elsewhere.
  const podDir = `${req.podsDir}/${req.podUid}/`;
  const marker = `/pods/${req.podUid}/`;
  const isPodVolume = (mp: string, host: boolean): boolean => {
    const at = host ? (mp.startsWith(podDir) ? podDir.length : -1) : mp.includes(marker) ? mp.indexOf(marker) + marker.length : -1;
    return at >= 0 && /^(?:volumes|volume-subpaths)\/./.test(mp.slice(at));
  };
  const key = (m: { device: string; root: string }): string => `${m.device} ${m.root}`;
  const byKey = new Map<string, number>();
  /** A namespace's mounts; `wanted` skips parsing a text that cannot have one of the pod's (most containers' namespaces). */
  const readNs = (ns: number, wanted?: (text: string) => boolean): NsMount[] | undefined => {
    for (const pid of (byNs.get(ns) ?? []).slice(0, 5)) {
      let text: string;
      try {
        text = readFileSync(`${procRoot}/${pid === -1 ? 'self' : pid}/mountinfo`, 'utf8');
      } catch {
        continue; // exited, or not readable: the next process of the namespace
      }
      return !wanted || wanted(text) ? parseMountinfoLines(text) : [];
    }
    return undefined;
  };
  const hostMounts = result.hostNs ? readNs(result.hostNs) : undefined;
  if (!hostMounts) result.errors.push(`${procRoot}/${req.hostPid}/mountinfo: the host's mount namespace could not be read`);
  for (const m of hostMounts ?? []) {
    if (!isPodVolume(m.mountPoint, true)) continue;
    byKey.set(key(m), result.mounts.length);
    result.mounts.push({ mountId: m.id, device: m.device, root: m.root, mountPoint: m.mountPoint, seenAt: m.mountPoint, fsType: m.fsType, source: m.source });
  }
  /** Per namespace: its mounts that are the pod's (index into result.mounts) with where it has them, and all its mount points (for the longest match). */
  const nsMatches = new Map<number, { mount: number; at: string }[]>();
  const nsPoints = new Map<number, string[]>();
  if (hostMounts) {
    nsMatches.set(
      result.hostNs,
      result.mounts.map((m, i) => ({ mount: i, at: m.mountPoint })),
    );
    nsPoints.set(
      result.hostNs,
      hostMounts.map((m) => m.mountPoint),
    );
  }
  let read = 0;
  let skipped = 0;
  for (const ns of byNs.keys()) {
    if (ns === result.hostNs) continue;
    if (read >= req.maxNamespaces) {
      skipped++;
      continue;
    }
    read++;
    // Fields are space-separated: a line with one of the pod's mounts has " MAJ:MIN " in it, or the pod's directory.
    const devices = [...new Set(result.mounts.map((m) => ` ${m.device} `))];
    const mounts = readNs(ns, (text) => text.includes(marker) || devices.some((d) => text.includes(d)));
    if (!mounts) continue;
    const found: { mount: number; at: string }[] = [];
    for (const m of mounts) {
      let i = byKey.get(key(m));
      if (i === undefined && isPodVolume(m.mountPoint, false)) {
        // Gone from the host, still here: the copy is the mount now.
        i = result.mounts.length;
        byKey.set(key(m), i);
        result.mounts.push({ mountId: m.id, device: m.device, root: m.root, mountPoint: '', seenAt: m.mountPoint, fsType: m.fsType, source: m.source });
      }
      if (i !== undefined) found.push({ mount: i, at: m.mountPoint });
    }
    if (!found.length) continue;
    nsMatches.set(ns, found);
    nsPoints.set(
      ns,
      mounts.map((m) => m.mountPoint),
    );
    const members = byNs.get(ns) ?? [];
    for (const pid of members.slice(0, req.maxPerNamespace)) {
      const h = pid > 0 ? holderStat(procRoot, pid) : null;
      if (!h || h.flags & PF_KTHREAD) continue;
      for (const f of found) result.holders.push({ ...h, ns, how: 'mount', path: f.at, mount: f.mount });
    }
    if (members.length > req.maxPerNamespace) result.truncated.push(`mount namespace ${ns}: ${members.length - req.maxPerNamespace} more processes not named`);
  }
  if (skipped) result.truncated.push(`mountinfo of ${skipped} mount namespaces not read: more than ${req.maxNamespaces}`);
  if (!result.mounts.length) return result;

  // 3. Open files and working directories under the mounts, namespace by namespace.
  let fdBudget = req.maxFds;
  let fdCut = 0;
  let lateCut = 0;
  // Other namespaces first: few processes, and where copies and their holders usually are; the host's last.
  const order = [...nsMatches].sort(([a], [b]) => Number(a === result.hostNs) - Number(b === result.hostNs));
  for (const [ns, found] of order) {
    const points = nsPoints.get(ns) ?? [];
    // The pod's mount a path is on: the longest mount point above it must be one of them.
    const mountOf = (path: string): { mount: number; at: string } | undefined => {
      const f = found.find((x) => under(path, x.at));
      if (!f) return undefined;
      const deeper = points.some((p) => p.length > f.at.length && under(path, p) && !found.some((x) => x.at === p));
      return deeper ? undefined : found.filter((x) => under(path, x.at)).sort((a, b) => b.at.length - a.at.length)[0];
    };
    for (const pid of byNs.get(ns) ?? []) {
      if (pid < 0) continue;
      if (performance.now() > stopAt) {
        lateCut++;
        continue;
      }
      let stat: Omit<RawHolder, 'ns' | 'how' | 'path' | 'mount'> | null | undefined;
      const add = (how: RawHolder['how'], path: string, m: { mount: number }): void => {
        stat ??= holderStat(procRoot, pid);
        if (stat && !result.holders.some((x) => x.pid === pid && x.how === how && x.mount === m.mount)) result.holders.push({ ...stat, ns, how, path, mount: m.mount });
      };
      const cwd = linkOf(`${procRoot}/${pid}/cwd`);
      const cm = cwd?.startsWith('/') ? mountOf(cwd.replace(/ \(deleted\)$/, '')) : undefined;
      if (cwd && cm) add('cwd', cwd, cm);
      if (fdBudget <= 0) {
        fdCut++;
        continue;
      }
      let fds: string[];
      try {
        fds = readdirSync(`${procRoot}/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        if (fdBudget-- <= 0) {
          fdCut++;
          break;
        }
        result.fds++;
        const target = linkOf(`${procRoot}/${pid}/fd/${fd}`);
        if (!target?.startsWith('/')) continue;
        const m = mountOf(target.replace(/ \(deleted\)$/, ''));
        if (m) add('open-file', target, m);
      }
    }
  }
  if (fdCut) result.truncated.push(`open files of ${fdCut} processes not (all) read: more than ${req.maxFds} fd links`);
  if (lateCut) result.truncated.push(`open files and cwd of ${lateCut} processes not read: the pass's ${req.budgetMs} ms ran out`);
  return result;
}

function holderStat(procRoot: string, pid: number): Omit<RawHolder, 'ns' | 'how' | 'path' | 'mount'> | null {
  let s;
  try {
    s = parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
  if (!s) return null;
  let podUid = '';
  try {
    // Holders only (a few): the cgroup file waits on the kernel's cgroup_mutex, and this thread is guarded.
    podUid = podFromCgroupLines(parseCgroupFile(readFileSync(`${procRoot}/${pid}/cgroup`, 'utf8'))).pod?.podUid ?? '';
  } catch {
    /* exited */
  }
  return { pid, comm: s.comm, state: s.state, ppid: s.ppid, flags: s.flags, startTicks: s.startTime, podUid };
}
