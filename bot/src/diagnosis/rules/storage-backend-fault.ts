import type { BackendEvent } from '../../evidence/evidence';
import { name, taskRef } from '../context';
import { finding, plural, type Rule } from '../rule';
import { storageFix } from '../storage-fixes';
import { blockedTasks } from './d-state-tasks';
import { fuseDaemons } from '../fuse-daemons';

const SAYS: Record<BackendEvent['kind'], string> = {
  'ceph-full': 'the Ceph pool is full or at its quota',
  'ceph-osd-down': 'Ceph OSDs are down',
  'ceph-mon-lost': 'Ceph monitor sessions are lost',
  'nfs-not-responding': 'the NFS server is not responding',
  'nfs-ok': 'the NFS server answered again',
  'iscsi-conn-error': 'iSCSI connections fail',
  'scsi-timeout': 'SCSI commands time out',
  'nvme-timeout': 'NVMe I/O times out',
  'io-error': 'the block layer reports I/O errors',
  'xfs-shutdown': 'XFS shut the filesystem down',
  'xfs-io-error': 'XFS reports I/O errors',
  'ext4-error': 'ext4 reports errors',
  'fuse-error': 'the FUSE connection failed',
  'blk-hung': 'block I/O hangs',
};

const MATCHES: Record<string, string[]> = {
  ceph: ['ceph', 'xfs', 'ext4', 'block'],
  nfs: ['nfs'],
  iscsi: ['xfs', 'ext4', 'block'],
  scsi: ['xfs', 'ext4', 'block'],
  nvme: ['xfs', 'ext4', 'block'],
  block: ['xfs', 'ext4', 'block'],
  xfs: ['xfs'],
  ext4: ['ext4'],
  fuse: ['fuse'],
};

/** The storage backend that failed, named from the kernel log, tied to the tasks it blocks. */
export const storageBackendFault: Rule = {
  id: 'storage-backend-fault',
  run(ctx) {
    const blocked = blockedTasks(ctx);
    const out = [];
    const faults = ctx.ev.backend.filter((e) => e.kind !== 'nfs-ok');
    const bySubsystem = new Map<string, BackendEvent[]>();
    for (const e of faults) (bySubsystem.get(e.subsystem) ?? bySubsystem.set(e.subsystem, []).get(e.subsystem)!).push(e);
    for (const [subsystem, events] of bySubsystem) {
      const recovered = subsystem === 'nfs' && events.every((e) => ctx.ev.backend.some((o) => o.kind === 'nfs-ok' && o.target === e.target && o.last.time >= e.last.time));
      const victims = blocked.filter((t) => {
        const s = ctx.signature(t).subsystem;
        return s === undefined ? false : (MATCHES[subsystem] ?? []).includes(s);
      });
      const says = [...new Set(events.map((e) => SAYS[e.kind]))].join(', ');
      const targets = [...new Set(events.map((e) => e.target))].join(', ');
      out.push(
        finding({
          id: 'storage-backend-fault',
          severity: recovered ? 'info' : 'critical',
          confidence: victims.length ? 0.9 : blocked.length ? 0.75 : 0.6,
          title: `Storage backend fault: ${says} (${targets})`,
          explanation:
            `The kernel log says ${says}: ${events.map((e) => `"${e.last.text}"${e.count > 1 ? ` ×${e.count}` : ''}`).join('; ')}. ` +
            (victims.length
              ? `${plural(victims.length, 'task')} in D wait on I/O ${subsystem === 'ceph' ? 'to storage backed by it' : `through ${subsystem}`} (${victims.slice(0, 5).map(name).join(', ')}); they stay in D until the backend completes their I/O, whatever signal they get.`
              : blocked.length
                ? `${plural(blocked.length, 'task')} are in D, most likely waiting on it.`
                : 'No blocked task was shown; writes to this backend will block when they reach it.') +
            (recovered ? ' The server has since answered again ("OK"): the stall may be over; recheck.' : ''),
          evidence: events.flatMap((e) => (e.count > 1 ? [`${e.first.time} ${e.first.text}`, `${e.last.time} ${e.last.text} (×${e.count})`] : [`${e.first.time} ${e.first.text}`])),
          tasks: victims.slice(0, 10).map((t) => taskRef(t, 'blocker')),
          remediations: [storageFix(subsystem, events)],
        }),
      );
    }
    const fuse = blocked.filter((t) => ctx.signature(t).category === 'fuse');
    const stuck = fuse.filter((t) => ctx.killPending(t) || ctx.ev.reports.some((r) => r.kind === 'hung-task' && r.pid === t.tid));
    const daemons = fuseDaemons(ctx).slice(0, 3);
    if (!bySubsystem.has('fuse') && stuck.length) {
      out.push(
        finding({
          id: 'storage-backend-fault',
          severity: 'critical',
          confidence: 0.6,
          title: `FUSE daemon does not answer: ${plural(fuse.length, 'task')} wait in request_wait_answer`,
          explanation: `${fuse.slice(0, 5).map(name).join(', ')} sent requests to a FUSE filesystem that were read by its daemon and never answered (request_wait_answer). ${stuck.length} of them were killed or reported by the hung-task watchdog and still wait: the daemon is hung or gone.${daemons.length ? ` The FUSE daemon${daemons.length > 1 ? 's' : ''}: ${daemons.map(name).join(', ')}${daemons[0].wchan ? ` (waiting in ${daemons[0].wchan})` : ''}.` : ' No FUSE daemon process was in the input: it may have died, leaving the mount without a server.'}`,
          evidence: stuck.flatMap((t) => t.lines.slice(0, 1)),
          tasks: [...daemons.map((t) => taskRef(t, 'blocker')), ...fuse.slice(0, 10).map((t) => taskRef(t, 'waiter'))],
          remediations: [storageFix('fuse', [])],
        }),
      );
    }
    return out;
  },
};
