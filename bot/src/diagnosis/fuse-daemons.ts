import type { Task } from '../evidence/evidence';
import type { DiagnosisContext } from './context';

const KNOWN_DAEMONS = /^(?:s3fs|sshfs|rclone|gcsfuse|goofys|ceph-fuse|glusterfs|ntfs-3g|lxcfs|squashfuse|juicefs|mount\.\w+|\S*fuse\S*)$/;
const READING_DEV_FUSE = /^(?:fuse_dev_do_read|fuse_dev_read|fuse_dev_splice_read)$/;

/**
 * The processes that serve FUSE mounts: they sit in fuse_dev_do_read on
 * /dev/fuse, or run the program a mount names (fuse.s3fs -> s3fs), or are
 * well-known FUSE daemons. When requests go unanswered, they are the blockers.
 */
export function fuseDaemons(ctx: DiagnosisContext): Task[] {
  const subtypes = new Set(
    ctx.ev.node.mounts
      .filter((m) => m.fsType.startsWith('fuse'))
      .flatMap((m) => [m.fsType.replace(/^fuse\.?/, ''), m.source])
      .filter(Boolean),
  );
  return [...ctx.processes.values()].filter((t) => {
    if (t.isKernelThread || t.state === 'Z') return false;
    const waits = [t.wchan ?? '', ...ctx.signature(t).frames.map((f) => f.fn)];
    return waits.some((w) => READING_DEV_FUSE.test(w)) || subtypes.has(t.comm) || KNOWN_DAEMONS.test(t.comm);
  });
}
