/** What a storage backend line says. The bot's evidence model builds its backend kinds on these (and adds its own). */
export type BackendLineKind =
  | 'ceph-full'
  | 'ceph-osd-down'
  | 'ceph-mon-lost'
  | 'nfs-not-responding'
  | 'nfs-ok'
  | 'iscsi-conn-error'
  | 'scsi-timeout'
  | 'nvme-timeout'
  | 'io-error'
  | 'xfs-shutdown'
  | 'xfs-io-error'
  | 'ext4-error'
  | 'fuse-error';

export type BackendSubsystem = 'ceph' | 'nfs' | 'iscsi' | 'scsi' | 'nvme' | 'block' | 'xfs' | 'ext4' | 'fuse';

/** One classified line: what happened, in which subsystem, to which device, server or OSD ("rbd3", "nfs01", "osd3", "sdb"). */
export interface BackendLine {
  kind: BackendLineKind;
  subsystem: BackendSubsystem;
  target: string;
}
