import type { PodVolumeMount } from '../../../proto/generated/whystuck/v1/PodVolumeMount';
import type { ReadProblem } from '../../../proto/generated/whystuck/v1/ReadProblem';
import type { VolumeHolder } from '../../../proto/generated/whystuck/v1/VolumeHolder';
import type { GuardedReader, GuardedResult } from '../procfs/guarded-reader';
import type { HolderResult, PassMount } from './holder-pass';

export const DEFAULT_KUBELET_ROOT = '/var/lib/kubelet';

export interface PodVolumeOptions {
  procRoot: string;
  /** The kubelet's root directory as the host has it (--root-dir; default /var/lib/kubelet). */
  kubeletRoot: string;
  podUid: string;
  /** For the holder pass, all together. */
  deadlineMs: number;
  /** For each mount's statfs. */
  statfsDeadlineMs: number;
  problems: ReadProblem[];
}

/** Bounds of one pass: mount namespaces read, fd links read, processes named per namespace that holds a copy. */
const MAX_NAMESPACES = 1024;
const MAX_FDS = 200_000;
const MAX_PER_NAMESPACE = 20;

/**
 * The pod's volume mounts under the kubelet's pods directory and who holds
 * them (holder-pass.ts, on a guarded reader thread), then a statfs of each
 * under its own deadline: whether its backend answers. Never throws; what
 * could not be read is a read problem.
 */
export async function readPodVolumes(reader: GuardedReader, o: PodVolumeOptions): Promise<PodVolumeMount[]> {
  if (!reader.holders) return [];
  const what = `${o.procRoot}/*/{ns/mnt,mountinfo,cwd,fd} (who holds pod ${o.podUid}'s volume mounts)`;
  const r = await reader.holders(
    {
      procRoot: o.procRoot,
      podUid: o.podUid,
      podsDir: `${o.kubeletRoot.replace(/\/+$/, '')}/pods`,
      hostPid: 1,
      maxNamespaces: MAX_NAMESPACES,
      maxFds: MAX_FDS,
      maxPerNamespace: MAX_PER_NAMESPACE,
      // The file part stops well before the guard's deadline, so what was found comes back.
      budgetMs: Math.round(o.deadlineMs * 0.6),
    },
    { deadlineMs: o.deadlineMs },
  );
  if (r.status !== 'ok') {
    o.problems.push(problemOf(what, r));
    return [];
  }
  const pass = JSON.parse(r.text) as HolderResult;
  for (const e of pass.errors) o.problems.push({ path: e.split(':')[0], reason: 'error', detail: e, tried_ms: 0, pid: 0, tid: 0, needs_capability: '' });
  // Bounds and fallbacks matter only where there is something to hold.
  if (pass.mounts.length) for (const t of pass.truncated) o.problems.push({ path: what, reason: 'skipped', detail: t, tried_ms: 0, pid: 0, tid: 0, needs_capability: '' });
  return Promise.all(
    pass.mounts.map(async (m, i) => {
      const holders: VolumeHolder[] = pass.holders
        .filter((h) => h.mount === i)
        .map((h) => ({
          pid: h.pid,
          comm: h.comm,
          state: h.state,
          start_time_ticks: h.startTicks,
          mount_ns: h.ns,
          how: h.how,
          path: h.path,
          pod_uid: h.podUid,
          ppid: h.ppid,
          flags: h.flags >>> 0,
        }));
      const backend = await probe(reader, statfsPath(o.procRoot, pass, m, holders), o.statfsDeadlineMs);
      const { volume, plugin } = volumeOf(m.seenAt, o.podUid);
      return {
        pod_uid: o.podUid,
        mount_point: m.mountPoint,
        volume,
        plugin,
        fs_type: m.fsType,
        source: m.source,
        device: m.device,
        root: m.root,
        ...backend,
        holders,
      };
    }),
  );
}

/**
 * Where the reader thread reaches the mount: the host's path when it shares
 * the host's mount namespace, else through /proc/1/root; a copy only other
 * namespaces have, through a holder's root.
 */
function statfsPath(procRoot: string, pass: HolderResult, m: PassMount, holders: VolumeHolder[]): string | undefined {
  if (m.mountPoint) return pass.ownNs === pass.hostNs ? m.mountPoint : `${procRoot}/1/root${m.mountPoint}`;
  const h = holders.find((x) => x.how === 'mount');
  return h ? `${procRoot}/${h.pid}/root${m.seenAt}` : undefined;
}

async function probe(reader: GuardedReader, path: string | undefined, deadlineMs: number): Promise<Pick<PodVolumeMount, 'backend_status' | 'backend_error' | 'backend_ms'>> {
  if (!path || !reader.statfs) return { backend_status: 'not-read', backend_error: path ? 'this reader cannot statfs' : 'no process reaches the mount', backend_ms: 0 };
  const r = await reader.statfs(path, { deadlineMs });
  switch (r.status) {
    case 'ok':
      return { backend_status: 'ok', backend_error: '', backend_ms: Math.round(r.tookMs) };
    case 'timed-out':
      return { backend_status: 'timed-out', backend_error: `statfs ${path} did not return in ${Math.round(r.tookMs)} ms`, backend_ms: Math.round(r.tookMs) };
    case 'blocked-earlier':
      return { backend_status: 'blocked-earlier', backend_error: `an earlier statfs of ${path} has not returned for ${Math.round(r.blockedForMs)} ms`, backend_ms: Math.round(r.blockedForMs) };
    case 'error':
      return { backend_status: 'error', backend_error: `${r.code}: ${r.message}`, backend_ms: Math.round(r.tookMs) };
    default:
      return { backend_status: 'not-read', backend_error: r.reason, backend_ms: 0 };
  }
}

/** "…/pods/UID/volumes/kubernetes.io~csi/pvc-1/mount" -> volume pvc-1, plugin kubernetes.io/csi; volume-subpaths/VOL/… -> VOL. */
export function volumeOf(path: string, podUid: string): { volume: string; plugin: string } {
  const marker = `/pods/${podUid}/`;
  const rest = path.slice(path.indexOf(marker) + marker.length).split('/');
  if (rest[0] === 'volume-subpaths') return { volume: rest[1] ?? '', plugin: 'subPath' };
  return { volume: rest[2] ?? '', plugin: (rest[1] ?? '').replace(/~/g, '/') };
}

function problemOf(path: string, r: Exclude<GuardedResult, { status: 'ok' }>): ReadProblem {
  const base = { path, pid: 0, tid: 0, needs_capability: '' };
  switch (r.status) {
    case 'timed-out':
      return { ...base, reason: 'timed-out', detail: 'the pass over mount namespaces, open files and working directories did not finish in time', tried_ms: Math.round(r.tookMs) };
    case 'blocked-earlier':
      return { ...base, reason: 'blocked-earlier', detail: '', tried_ms: Math.round(r.blockedForMs) };
    case 'error':
      return { ...base, reason: 'error', detail: `${r.code}: ${r.message}`, tried_ms: Math.round(r.tookMs) };
    default:
      return { ...base, reason: 'skipped', detail: r.reason, tried_ms: 0 };
  }
}
