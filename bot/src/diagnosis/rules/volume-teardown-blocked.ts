import type { KubeEvidence, KubeMountHolder, KubePersistentVolume, KubePod, KubePodMount, KubeVolumeIssue, Task } from '../../evidence/evidence';
import type { DiagnosisContext } from '../context';
import { name, taskRef } from '../context';
import type { FindingTask, Remediation } from '../finding';
import { volumeOf } from '../../paste/kube-storage-api';
import { signalRemediation } from '../kill-verdict';
import { finding, type Rule } from '../rule';
import { shellQuote } from '../shell-quote';
import { blockedTasks } from './d-state-tasks';
import { isDeleting, podName, saysDeleted, saysStuck } from './kube-pods';

const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The kubelet cannot unmount / clean up / detach a volume of the pod, so the
 * pod cannot finish terminating: the mount, why (busy: another mount
 * namespace or a process holds it; a stale NFS handle; EIO from a device
 * gone underneath; a CSI driver not registered), its holders and the tasks
 * in D on it, and the backend's state. A signal only through the kill
 * verdict (signalRemediation), never claimed here.
 */
const TEARDOWN = new Set<KubeVolumeIssue['operation']>(['unmount', 'unmount-device', 'subpath-cleanup', 'detach', 'multi-attach']);

const WHY: Record<NonNullable<KubeVolumeIssue['errno']>, string> = {
  EBUSY:
    "the mount is busy: another mount namespace still holds a copy of it (a container that mounts the host's /var/lib/kubelet or / with propagation), or a process has a file open or its cwd under it",
  ESTALE: "the NFS server no longer knows the file handle (it restarted or the export changed): every lookup on the path fails with ESTALE, so the kubelet's clean-up aborts and retries forever",
  EIO: "the device under the mount returns I/O errors (detached or failed): the kubelet's stat of the mount fails before it unmounts, so it never does",
  ENOTCONN: 'the daemon behind the mount (FUSE, a CSI node plugin) is gone: the mount answers "transport endpoint is not connected"',
  EXIT32: 'umount failed (exit status 32): the mount is busy or already gone underneath',
  DRIVER: "the volume's CSI driver is not registered on the node (its node plugin pod is not running), so nobody can unmount it",
  TIMEOUT: 'the operation timed out: the backend does not answer',
  OTHER: 'the operation fails',
};

const OPERATION: Record<KubeVolumeIssue['operation'], string> = {
  unmount: 'unmount (TearDown)',
  'unmount-device': 'unmount the device (global mount)',
  'subpath-cleanup': 'clean up the subPath mounts',
  detach: 'detach',
  'multi-attach': 'attach on the new node (Multi-Attach: still attached to the old one)',
  mount: 'mount',
  attach: 'attach',
  access: 'read the mount',
};

function holdersOf(holders: KubeMountHolder[], v: KubeVolumeIssue): KubeMountHolder[] {
  return (
    holders
      .filter((h) => (v.podUid === undefined || h.podUid === undefined || h.podUid === v.podUid) && (h.volume === v.volume || (v.path !== undefined && h.path.endsWith(v.path))))
      // The pod's own containers have its volumes mounted too: they are not what holds the teardown.
      .filter((h) => !ownCopy(h))
  );
}

/** A live holder that is a container of the pod itself, with the volume in its mount namespace. */
const ownCopy = (h: KubeMountHolder): boolean => h.how === 'mount' && h.holderPodUid !== undefined && h.holderPodUid === h.podUid;

export const volumeTeardownBlocked: Rule = {
  id: 'volume-teardown-blocked',
  run(ctx) {
    const kube = ctx.ev.kube;
    if (!kube || (!kube.volumes.length && !kube.podMounts?.length)) return [];
    const deleting = kube.pods.filter(isDeleting);
    const said = saysStuck(ctx.ev) ?? saysDeleted(ctx.ev);
    // Teardown failures always; errors touching a pod volume or mounting it only while a pod is being deleted.
    const issues = kube.volumes.filter((v) => TEARDOWN.has(v.operation) || (v.operation === 'access' && (deleting.length > 0 || said !== undefined)));
    if (!issues.length) return liveMountFindings(ctx, kube, deleting, new Set());
    const groups = new Map<string, KubeVolumeIssue[]>();
    for (const v of issues) {
      const key = `${v.podUid ?? v.pod ?? ''}|${v.volume}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(v);
    }
    const blocked = blockedTasks(ctx);
    const out = [];
    for (const list of groups.values()) {
      const v = list[0];
      const errnos = [...new Set(list.map((x) => x.errno ?? 'OTHER'))];
      const pod: KubePod | undefined =
        kube.pods.find((p) => (v.podUid && (p.uid === v.podUid || p.name === v.podUid)) || (v.pod && p.name === v.pod)) ?? (deleting.length === 1 ? deleting[0] : undefined);
      const podText = pod ? `pod ${podName(pod)}${pod.uid && pod.uid !== pod.name ? ` (uid ${pod.uid})` : ''}` : v.podUid ? `pod ${v.podUid}` : undefined;
      const holders = holdersOf(kube.mountHolders, v);
      const holderTasks: { h: KubeMountHolder; t?: Task }[] = holders.map((h) => {
        const t = ctx.processes.get(h.pid) ?? ctx.byTid.get(h.pid);
        // The task's own comm (a ps row, its status) names it better than a sentence did.
        return { h: t && t.comm && t.comm !== '?' ? { ...h, comm: t.comm } : h, t };
      });
      const named = holderTasks.map(({ h }) => h);
      const fsOf = v.plugin?.includes('nfs') || errnos.includes('ESTALE') ? 'nfs' : undefined;
      const waiters = blocked.filter((t) => (fsOf ? ctx.signature(t).subsystem === 'nfs' : errnos.includes('EIO') && ['xfs', 'ext4', 'block'].includes(ctx.signature(t).subsystem ?? ''))).slice(0, 5);
      const backend = ctx.ev.backend.filter((b) => b.kind !== 'nfs-ok' && (fsOf ? b.subsystem === 'nfs' : errnos.includes('EIO')));
      const parts: string[] = [];
      const ops = [...new Set(list.map((x) => OPERATION[x.operation]))].join(', ');
      parts.push(
        `The kubelet fails to ${ops} for volume "${v.volume}"${v.plugin ? ` (${v.plugin}${v.driver ? `, driver ${v.driver}` : ''})` : ''}${podText ? ` of ${podText}` : ''}${list.reduce((n, x) => n + x.count, 0) > 1 ? `, ${list.reduce((n, x) => n + x.count, 0)} times in this input` : ''}: ${errnos.map((e) => WHY[e]).join('; ')}.`,
      );
      if (v.error) parts.push(`The error: "${v.error.slice(0, 240)}".`);
      if (v.path) parts.push(`Path: ${v.path}.`);
      // The PersistentVolume behind it (read live, or pasted): its driver, handle, reclaim policy and phase.
      const { pv } = volumeOf(kube, { volume: v.volume, pvc: v.pvc, pod });
      if (pv) parts.push(pvWords(pv));
      if (errnos.includes('DRIVER'))
        parts.push(
          `The kubelet cannot do this teardown itself: unmounting a CSI volume is a call (NodeUnpublishVolume, then NodeUnstageVolume) to the driver's node plugin on the node, and ${v.driver ?? 'the driver'} has none registered there.`,
        );
      parts.push('Until that step succeeds the kubelet does not finish the pod, and it stays Terminating; it retries with a growing back-off (up to about 2 minutes).');
      if (named.length)
        parts.push(
          `Held by ${named
            .slice(0, 5)
            .map(
              (h) =>
                `${h.comm ? `${h.comm} (pid ${h.pid})` : `pid ${h.pid}`}, which ${h.how === 'mount' ? `has it mounted at ${h.path}${h.fsType ? ` (${h.fsType})` : ''} in its own mount namespace${h.mountNs ? ` (${h.mountNs})` : ''}` : `${HOLDS[h.how]} (${h.path})`}`,
            )
            .join(
              '; ',
            )}: while it holds that copy the directory stays busy. Restarting that process (its container) drops its mount namespace and the copy with it; the lasting fix is its mount propagation (HostToContainer / rslave rather than a private copy of the host's /var/lib/kubelet).`,
        );
      else if (errnos.includes('EBUSY'))
        parts.push(
          `Who holds it is not in this input: on the node, the processes whose /proc/PID/mountinfo still lists ${v.podUid ? `the pod's uid ${v.podUid}` : `the volume ${v.volume}`} hold it in their mount namespace.`,
        );
      if (waiters.length) parts.push(`Tasks in D on the same storage: ${waiters.map(name).join(', ')} — they wait for the backend too (see the uninterruptible-io finding).`);
      if (backend.length)
        parts.push(
          `The backend: ${backend
            .slice(0, 2)
            .map((b) => `"${b.last.text.slice(0, 160)}"`)
            .join('; ')}.`,
        );
      // Read on the node: whether its filesystem answers now.
      const live = kube.podMounts?.find((m) => m.volume === v.volume && (!v.podUid || !m.podUid || m.podUid === v.podUid));
      if (live) parts.push(backendWords(live));
      const remediations: Remediation[] = [];
      const ref = v.path ? shellQuote(v.path) : undefined;
      for (const { h, t } of holderTasks.slice(0, 3)) {
        if (t) {
          remediations.push(
            signalRemediation(t, ctx, 'SIGKILL', 'medium', {
              // Ending a container's init ends its PID namespace and, with its last process, the mount namespace that holds the copy.
              // Or, read live (the collector names every process of the namespace), the only process of its mount namespace; or one that holds by an open file or cwd.
              endsProblem: t.isPidNsInit === true || (h.state !== undefined && (h.how !== 'mount' || holders.filter((x) => x.how === 'mount' && x.mountNs === h.mountNs).length === 1)),
              because: `${h.comm ?? `pid ${h.pid}`} holds a copy of the pod's mount in its mount namespace; when it exits the copy goes and the kubelet's next retry removes the volume. Restarting its pod (so its controller recreates it) is gentler.`,
            }),
          );
        }
      }
      if (errnos.includes('EBUSY')) {
        // Only the API server's uid goes into grep (a fixed string of hex and dashes): never a name a tenant chose.
        const uid = v.podUid && UID.test(v.podUid) ? v.podUid : undefined;
        remediations.push({
          action: 'manual',
          effective: 'unknown',
          risk: 'low',
          why: 'Find what holds the mount: mount namespaces that still have it, then files or cwd under it; restart the container that holds it.',
          ...(uid ? { command: `grep -l -F ${uid} /proc/[0-9]*/mountinfo` } : {}),
        });
      }
      if (errnos.includes('ESTALE') && ref) {
        remediations.push({
          action: 'manual',
          effective: 'unknown',
          risk: 'medium',
          why: "A stale NFS handle does not come back: lazily unmount the stale mount on the node so the kubelet's clean-up can proceed (processes still using it lose it).",
          command: `umount -l ${ref}`,
        });
      }
      if (errnos.includes('EIO') && ref) {
        // Every mount of the failing device: the pod's own first, then the global mount.
        const paths = list.map((x) => x.path).filter((p): p is string => p !== undefined);
        const mounts = ctx.ev.node.mounts;
        const devices = new Set(mounts.filter((m) => paths.some((p) => p === m.mountPoint || p.startsWith(`${m.mountPoint}/`))).map((m) => m.source));
        const all = [...new Set([...mounts.filter((m) => devices.has(m.source) && m.source.startsWith('/dev/')).map((m) => m.mountPoint), ...paths])].sort(
          (a, b) => Number(b.includes('/pods/')) - Number(a.includes('/pods/')),
        );
        remediations.push({
          action: 'manual',
          effective: 'unknown',
          risk: 'medium',
          why: "The device is gone under the mount: unmount it by hand on the node, the pod's mount first, then the global mount; the kubelet then finishes the pod. Reattach or replace the disk for the next pod.",
          command: all
            .slice(0, 6)
            .map((p) => `umount ${shellQuote(p)}`)
            .join('; '),
        });
      }
      if (errnos.includes('DRIVER')) {
        const keep =
          pv?.reclaimPolicy === 'Delete'
            ? ` Do not delete the claim or the PersistentVolume ${pv.name} to get the pod out: with reclaimPolicy Delete the backend volume${pv.volumeHandle ? ` ${pv.volumeHandle}` : ''} is deleted with it, data included.`
            : '';
        remediations.push({
          action: 'manual',
          effective: 'unknown',
          risk: 'low',
          why: `Start the CSI node plugin${v.driver ? ` of ${v.driver}` : ''} on this node (its DaemonSet pod): once it registers, the kubelet can unmount.${keep}`,
        });
      }
      if (list.some((x) => x.operation === 'multi-attach')) {
        remediations.push({
          action: 'manual',
          effective: 'unknown',
          risk: 'low',
          why: "The volume is still attached to the node of the old pod: finish that pod's teardown (or, for a node really down, the out-of-service taint) so the attach-detach controller can detach it.",
        });
      }
      if (!remediations.length)
        remediations.push({
          action: 'manual',
          effective: 'unknown',
          risk: 'low',
          why: "Read the kubelet's log for this volume on the node (`journalctl -u kubelet | grep VOLUME`) and fix what the error names; the kubelet retries on its own.",
        });
      const tasks: FindingTask[] = [
        ...holderTasks.map(({ h, t }) => (t ? taskRef(t, 'blocker') : { pid: h.pid, tid: h.pid, comm: h.comm ?? '?', state: '?', role: 'blocker' as const })),
        ...waiters.map((t) => taskRef(t, 'waiter')),
      ];
      out.push(
        finding({
          id: 'volume-teardown-blocked',
          severity: 'warning',
          confidence: list.some((x) => TEARDOWN.has(x.operation)) ? 0.85 : 0.65,
          title: `Volume "${v.volume}"${podText ? ` of ${podText}` : ''} cannot be torn down: ${errnos.map((e) => (e === 'OTHER' ? "the kubelet's operation fails" : e === 'EXIT32' ? 'umount fails' : e === 'DRIVER' ? 'CSI driver not registered' : e)).join(', ')}${named.length ? `, held by ${named[0].comm ?? `pid ${named[0].pid}`}` : ''}`,
          explanation: parts.join(' '),
          evidence: [
            ...list.slice(0, 3).map((x) => x.line),
            ...holders.slice(0, 3).map((h) => h.line),
            ...(pv ? [pv.line] : []),
            ...(said && !list.some((x) => TEARDOWN.has(x.operation)) ? [said] : []),
            `volume ${v.volume}`,
            ...(podText ? [podText] : []),
          ],
          tasks,
          remediations,
        }),
      );
    }
    return [...out, ...liveMountFindings(ctx, kube, deleting, new Set([...groups.values()].map((l) => l[0].volume)))];
  },
};

/** "PersistentVolume pvc-1 (CSI driver X, volumeHandle Y): reclaimPolicy Delete, phase Bound." with what the phase and policy mean here. */
function pvWords(pv: KubePersistentVolume): string {
  const what = [pv.driver ? `CSI driver ${pv.driver}` : pv.source ? `${pv.source} volume` : undefined, pv.volumeHandle ? `volumeHandle ${pv.volumeHandle}` : undefined].filter(Boolean).join(', ');
  const state = [pv.reclaimPolicy ? `reclaimPolicy ${pv.reclaimPolicy}` : undefined, pv.phase ? `phase ${pv.phase}` : undefined].filter(Boolean).join(', ');
  const note =
    pv.phase === 'Failed' ? ' (its reclaim failed: the backend volume may still exist)' : pv.deletionTimestamp ? ' (being deleted: kubernetes.io/pv-protection keeps it while a claim is bound)' : '';
  return `PersistentVolume ${pv.name}${what ? ` (${what})` : ''}${state ? `: ${state}` : ''}${note}.`;
}

const DOWN = new Set<KubePodMount['backend']['status']>(['timed-out', 'blocked-earlier', 'error']);

function backendWords(m: KubePodMount): string {
  const where = m.mountPoint ?? `volume ${m.volume}`;
  if (m.backend.status === 'ok') return `Its filesystem answers (statfs of ${where} returned in ${m.backend.ms ?? 0} ms): the backend is not what holds it.`;
  if (m.backend.status === 'not-read') return `Whether its filesystem answers was not probed (${m.backend.error ?? 'no reader'}).`;
  return `Its filesystem does not answer: ${m.backend.error ?? m.backend.status} — the server or daemon behind ${m.fsType ?? 'it'}${m.source ? ` (${m.source})` : ''} is gone or hung, and the unmount, and everything that touches the mount, waits for it too.`;
}

/** The subsystem a mount's tasks in D wait in (wait-site signatures), by its filesystem type. */
function subsystemOf(fsType: string | undefined): string | undefined {
  if (!fsType) return undefined;
  if (fsType === 'fuse' || fsType.startsWith('fuse.') || fsType === 'fuseblk') return 'fuse';
  if (fsType.startsWith('nfs')) return 'nfs';
  if (fsType === 'ceph') return 'ceph';
  if (fsType === 'cifs' || fsType === 'smb3') return 'smb';
  return undefined;
}

const HOLDS: Record<KubeMountHolder['how'], string> = {
  mount: 'keeps a copy of it in its own mount namespace',
  'open-file': 'has a file open under it',
  cwd: 'has its working directory under it',
};

/**
 * The pod's mounts read on the node (the collector's pod volumes) while the
 * pod is being deleted, where no kubelet error already named the volume: a
 * mount held by a process outside the pod (a copy in another mount
 * namespace, an open file, a working directory), or whose filesystem does
 * not answer. The holders, their mount namespaces, the tasks in D on it, the
 * backend's state; a signal only through the kill verdict.
 */
function liveMountFindings(ctx: DiagnosisContext, kube: KubeEvidence, deleting: KubePod[], covered: Set<string>) {
  const out = [];
  const blocked = blockedTasks(ctx);
  for (const m of kube.podMounts ?? []) {
    if (covered.has(m.volume)) continue;
    const pod = deleting.find((p) => p.uid !== undefined && p.uid === m.podUid);
    if (!pod) continue;
    const holders = kube.mountHolders.filter((h) => h.podUid === m.podUid && h.volume === m.volume);
    const foreign = holders.filter((h) => !ownCopy(h) && !(h.holderPodUid === m.podUid && h.how !== 'mount'));
    const inPod = holders.filter((h) => h.holderPodUid === m.podUid);
    const down = DOWN.has(m.backend.status);
    if (!foreign.length && !down) continue;
    const sub = subsystemOf(m.fsType);
    const dTasks = [
      ...holders.map((h) => ctx.processes.get(h.pid)).filter((t): t is Task => t?.state === 'D'),
      ...(sub ? blocked.filter((t) => ctx.signature(t).subsystem === sub && (!t.podUid || t.podUid === m.podUid)) : []),
    ]
      .filter((t, i, all) => all.findIndex((x) => x.tid === t.tid) === i)
      .slice(0, 5);
    const where = m.mountPoint
      ? `mounted at ${m.mountPoint}`
      : `gone from the host's mount namespace (the kubelet unmounted it) but still mounted in another${foreign[0] ? ` (at ${foreign[0].path})` : ''}`;
    const parts: string[] = [];
    parts.push(
      `Pod ${podName(pod)} is being deleted, and its volume "${m.volume}"${m.plugin ? ` (${m.plugin}` : ''}${m.plugin ? `${m.fsType ? `, ${m.fsType}` : ''})` : m.fsType ? ` (${m.fsType})` : ''} is ${where}.`,
    );
    const byNs = new Map<string, KubeMountHolder[]>();
    for (const h of foreign) (byNs.get(`${h.how}|${h.mountNs ?? ''}`) ?? byNs.set(`${h.how}|${h.mountNs ?? ''}`, []).get(`${h.how}|${h.mountNs ?? ''}`)!).push(h);
    if (foreign.length) {
      parts.push(
        `Held outside the pod by ${foreign
          .slice(0, 5)
          .map(
            (h) =>
              `${h.comm ?? '?'} (pid ${h.pid}${h.mountNs ? `, mount namespace ${h.mountNs}` : ''}${h.holderPodUid ? `, pod ${h.holderPodUid}` : ''}${h.state ? `, ${h.state}` : ''}), which ${HOLDS[h.how]}${h.how === 'mount' ? '' : ` (${h.path})`}`,
          )
          .join('; ')}${foreign.length > 5 ? `, and ${foreign.length - 5} more` : ''}.`,
      );
      if (foreign.some((h) => h.how === 'mount'))
        parts.push(
          'A copy in another mount namespace keeps the filesystem mounted after the kubelet unmounts it on the host: the device or connection behind it stays in use (unstage, unmap and detach fail with "device or resource busy") until every process of that namespace has exited. The lasting fix is the holder\'s mount propagation (HostToContainer / rslave for a container that mounts the host\'s /var/lib/kubelet or /).',
        );
      if (foreign.some((h) => h.how !== 'mount')) parts.push("An open file or working directory under the mount makes the kubelet's umount fail with EBUSY until that process lets go of it.");
    }
    if (inPod.length)
      parts.push(
        `The pod's own processes still have it too (${[...new Set(inPod.map((h) => h.pid))]
          .slice(0, 3)
          .map((pid) => `pid ${pid}`)
          .join(', ')}): the kubelet unmounts once its containers are gone.`,
      );
    parts.push(backendWords(m));
    if (dTasks.length) parts.push(`Tasks in D on it: ${dTasks.map(name).join(', ')} — they wait for its backend (see the uninterruptible-io finding).`);
    const remediations: Remediation[] = [];
    const seen = new Set<number>();
    for (const h of foreign) {
      const t = ctx.processes.get(h.pid);
      if (!t || seen.has(h.pid) || seen.size >= 3) continue;
      seen.add(h.pid);
      const sameNs = new Set(holders.filter((x) => x.how === 'mount' && x.mountNs === h.mountNs).map((x) => x.pid));
      // Ending it ends the hold when it holds by an open file or cwd, or is the only process of the namespace with the copy.
      const ends = h.how !== 'mount' || sameNs.size === 1;
      remediations.push(
        signalRemediation(t, ctx, 'SIGKILL', 'medium', {
          endsProblem: ends && !down,
          because:
            h.how === 'mount'
              ? `${h.comm ?? `pid ${h.pid}`} keeps the pod's mount in mount namespace ${h.mountNs ?? '?'}${ends ? ', and is the only process there: when it exits the namespace and the copy go' : `, with ${sameNs.size - 1} other process(es) that hold it too`}. Restarting its container or pod (its controller recreates it) is gentler.`
              : `${h.comm ?? `pid ${h.pid}`} ${HOLDS[h.how]}; when it exits, the kubelet's next retry can unmount.`,
        }),
      );
    }
    const uid = m.podUid && UID.test(m.podUid) ? m.podUid : undefined;
    if (foreign.some((h) => h.how === 'mount')) {
      remediations.push({
        action: 'manual',
        effective: 'unknown',
        risk: 'low',
        why: "Every process whose mount namespace still has the pod's volumes (re-check before acting; restart the container or pod that owns them).",
        ...(uid ? { command: `grep -l -F ${uid} /proc/[0-9]*/mountinfo` } : {}),
      });
    }
    if (down && m.mountPoint) {
      remediations.push({
        action: 'manual',
        effective: 'unknown',
        risk: 'medium',
        why: "Bring the backend back (the server, the FUSE daemon or CSI node plugin); if it is gone for good, lazily unmount the pod's mount on the node so the kubelet can finish (processes still using it lose it).",
        command: `umount -l ${shellQuote(m.mountPoint)}`,
      });
    }
    const first = foreign[0];
    out.push(
      finding({
        id: 'volume-teardown-blocked',
        severity: 'warning',
        confidence: down || foreign.some((h) => h.how !== 'mount') ? 0.75 : 0.65,
        title: `Volume "${m.volume}" of pod ${podName(pod)} is held: ${first ? `${first.comm ?? `pid ${first.pid}`} (pid ${first.pid}) ${first.how === 'mount' ? `keeps it in mount namespace ${first.mountNs ?? '?'}` : first.how === 'cwd' ? 'has its cwd in it' : 'has a file open in it'}` : ''}${first && down ? '; ' : ''}${down ? `its filesystem does not answer (${m.backend.status})` : ''}`,
        explanation: parts.join(' '),
        evidence: [m.line, ...holders.slice(0, 5).map((h) => h.line), ...pod.lines.slice(0, 1), `volume ${m.volume}`, `pod ${podName(pod)}${pod.uid ? ` (uid ${pod.uid})` : ''}`],
        tasks: [
          ...[...seen]
            .map((pid) => ctx.processes.get(pid))
            .filter((t): t is Task => t !== undefined)
            .map((t) => taskRef(t, 'blocker')),
          ...dTasks.map((t) => taskRef(t, 'waiter')),
        ],
        remediations,
      }),
    );
  }
  return out;
}
