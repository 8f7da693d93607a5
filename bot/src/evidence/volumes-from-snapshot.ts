import type { SnapshotResponse } from '../../../proto/generated/whystuck/v1/SnapshotResponse';
import { emptyKubeEvidence, type KubeMountHolder, type KubePodMount } from './evidence';
import type { EvidenceBuilder } from './evidence-builder';

const num = (v: unknown): number => (v === undefined || v === null || v === '' ? 0 : Number(v));
const STATUSES = new Set<KubePodMount['backend']['status']>(['ok', 'timed-out', 'blocked-earlier', 'error', 'not-read']);
const HOW = { mount: 'has a copy of it in its mount namespace', 'open-file': 'has a file open under it', cwd: 'has its working directory under it' } as const;

/**
 * The collector's pod volumes (a pod snapshot's mounts under the kubelet's
 * pods directory, who holds each, and a statfs of each) into the Kubernetes
 * layer: `kube.podMounts`, and each holder as a `kube.mountHolders` entry —
 * the same holders a pasted "grep -l UID /proc/*\/mountinfo" fills. Holders
 * the snapshot does not list as tasks (processes of other pods or of the
 * host) become tasks with what the collector read of them (state, parent,
 * flags, start time), so a kill verdict can judge them.
 */
export function volumesFromSnapshot(snap: SnapshotResponse, b: EvidenceBuilder): void {
  const vols = snap.pod_volumes ?? [];
  if (!vols.length) return;
  const kube = (b.evidence.kube ??= emptyKubeEvidence());
  if (snap.taken_at_unix_ms && num(snap.taken_at_unix_ms) > 0) kube.now ??= new Date(num(snap.taken_at_unix_ms)).toISOString();
  const mounts = (kube.podMounts ??= []);
  for (const v of vols) {
    const status = STATUSES.has(v.backend_status as KubePodMount['backend']['status']) ? (v.backend_status as KubePodMount['backend']['status']) : 'not-read';
    const where = v.mount_point || v.holders?.find((h) => h.how === 'mount')?.path || '';
    const backendWords =
      status === 'ok' ? `answers statfs (${num(v.backend_ms)} ms)` : status === 'not-read' ? `not probed (${v.backend_error || 'no reader'})` : `does not answer: ${v.backend_error}`;
    mounts.push({
      podUid: v.pod_uid || undefined,
      volume: v.volume ?? '',
      plugin: v.plugin || undefined,
      mountPoint: v.mount_point || undefined,
      fsType: v.fs_type || undefined,
      source: v.source || undefined,
      backend: { status, error: v.backend_error || undefined, ms: num(v.backend_ms) || undefined },
      line: `mount ${where} (${v.fs_type || '?'} ${v.source || ''}${v.device ? `, ${v.device}` : ''})${v.mount_point ? '' : " — gone from the host's mount namespace, still in another"}: volume "${v.volume}" of pod ${v.pod_uid || '?'}; its filesystem ${backendWords}`,
    });
    for (const h of v.holders ?? []) {
      const pid = num(h.pid);
      if (!pid) continue;
      const how = (h.how === 'open-file' || h.how === 'cwd' ? h.how : 'mount') as KubeMountHolder['how'];
      const own = Boolean(h.pod_uid) && h.pod_uid === v.pod_uid;
      const line = `${h.comm || '?'} (pid ${pid}, ${h.state || '?'}, mount namespace ${num(h.mount_ns)}${h.pod_uid ? `, ${own ? 'a container of this pod' : `pod ${h.pod_uid}`}` : ''}) ${HOW[how]}: ${h.path}`;
      kube.mountHolders.push({
        pid,
        comm: h.comm || undefined,
        mountNs: String(num(h.mount_ns)),
        how,
        path: h.path ?? '',
        podUid: v.pod_uid || undefined,
        volume: v.volume || undefined,
        fsType: v.fs_type || undefined,
        state: h.state || undefined,
        startTime: num(h.start_time_ticks) || undefined,
        holderPodUid: h.pod_uid || undefined,
        line,
      });
      if (!b.tasks.get(pid)) {
        b.tasks.upsert(
          pid,
          {
            pid,
            comm: h.comm || '?',
            state: h.state || undefined,
            ppid: num(h.ppid) || undefined,
            flags: num(h.flags),
            startTime: num(h.start_time_ticks) || undefined,
            podUid: h.pod_uid || undefined,
          },
          line,
        );
      }
    }
  }
}
