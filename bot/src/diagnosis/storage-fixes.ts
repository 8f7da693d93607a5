import type { BackendEvent } from '../evidence/evidence';
import type { Remediation } from './finding';

/** What actually unblocks tasks stuck on each kind of storage. */
export function storageFix(subsystem: string | undefined, backend: BackendEvent[]): Remediation {
  const kinds = new Set(backend.map((e) => e.kind));
  if (kinds.has('ceph-full')) {
    return {
      action: 'manual',
      effective: 'yes',
      risk: 'low',
      why: 'The Ceph pool is full or at its quota: writes block until it accepts them again. Free space or raise the quota (`ceph df`, `ceph osd pool get-quota POOL`, `ceph osd pool set-quota POOL max_bytes N`); the blocked writes then complete and the tasks leave D on their own.',
      command: 'ceph df; ceph health detail',
    };
  }
  if (kinds.has('ceph-osd-down') || kinds.has('ceph-mon-lost')) {
    return {
      action: 'manual',
      effective: 'yes',
      risk: 'medium',
      why: 'Ceph OSDs/monitors are down or unreachable: I/O to the placement groups they serve waits. Bring them back (`ceph osd tree`, `ceph health detail`, restart the OSD or fix the network); the I/O resumes.',
      command: 'ceph health detail; ceph osd tree',
    };
  }
  if (subsystem === 'fuse' || kinds.has('fuse-error')) {
    return {
      action: 'manual',
      effective: 'yes',
      risk: 'medium',
      why: 'The FUSE daemon read the request and never answered. Restart or fix the daemon, or abort the connection: `echo 1 > /sys/fs/fuse/connections/N/abort` where N is the minor device number of the mount (`stat -c %d MOUNTPOINT` or /proc/self/mountinfo); aborted requests fail with ENOTCONN and the tasks exit.',
      command: 'ls /sys/fs/fuse/connections/ && echo 1 > /sys/fs/fuse/connections/N/abort',
    };
  }
  if (subsystem === 'nfs' || kinds.has('nfs-not-responding')) {
    return {
      action: 'manual',
      effective: 'unknown',
      risk: 'medium',
      why: 'The NFS server does not respond; a hard mount retries for ever. Bring the server or the network path back; as a last resort `umount -f -l MOUNTPOINT` (tasks in rpc_wait_bit_killable do exit on SIGKILL).',
      command: 'umount -f -l MOUNTPOINT',
    };
  }
  if (kinds.has('iscsi-conn-error') || kinds.has('scsi-timeout') || kinds.has('nvme-timeout') || kinds.has('io-error')) {
    return {
      action: 'manual',
      effective: 'unknown',
      risk: 'medium',
      why: 'The block device reports timeouts or I/O errors: check the device, path and target (multipath -ll, iscsiadm -m session, nvme list, SMART); I/O that never completes keeps its waiters in D until the device is back or failed.',
      command: 'dmesg -T | grep -iE "error|timeout|reset"',
    };
  }
  if (kinds.has('xfs-shutdown') || kinds.has('xfs-io-error') || kinds.has('ext4-error')) {
    return {
      action: 'manual',
      effective: 'unknown',
      risk: 'high',
      why: 'The filesystem saw I/O errors or shut down. Fix the device underneath, then unmount and repair (xfs_repair / e2fsck) before mounting again.',
    };
  }
  return {
    action: 'manual',
    effective: 'unknown',
    risk: 'medium',
    why: 'Find what the wait depends on (the device or server behind the filesystem in the stack) and restore it; the tasks leave D when their I/O completes. If it never will, drain the node and reboot it.',
    command: 'kubectl drain NODE --ignore-daemonsets --delete-emptydir-data',
  };
}
