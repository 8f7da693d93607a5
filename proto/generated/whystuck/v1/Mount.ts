// Original file: /work/main/proto/whystuck/v1/collector.proto


export interface Mount {
  'mount_id'?: (number);
  'mount_point'?: (string);
  /**
   * fuse.sshfs, nfs4, ceph, xfs, ext4, overlay ...
   */
  'fs_type'?: (string);
  /**
   * dev/rbd0, server:/export, mon1:6789:/ ...
   */
  'source'?: (string);
  /**
   * major:minor
   */
  'device'?: (string);
  'options'?: (string);
  /**
   * Why it is of interest: fuse | nfs | ceph | rbd | iscsi | overlay | nbd | network-block
   */
  'interest'?: (string);
  /**
   * For block devices: the driver/transport behind it when known (rbd, iscsi, nvme, virtio, scsi).
   */
  'backing'?: (string);
}

export interface Mount__Output {
  'mount_id': (number);
  'mount_point': (string);
  /**
   * fuse.sshfs, nfs4, ceph, xfs, ext4, overlay ...
   */
  'fs_type': (string);
  /**
   * dev/rbd0, server:/export, mon1:6789:/ ...
   */
  'source': (string);
  /**
   * major:minor
   */
  'device': (string);
  'options': (string);
  /**
   * Why it is of interest: fuse | nfs | ceph | rbd | iscsi | overlay | nbd | network-block
   */
  'interest': (string);
  /**
   * For block devices: the driver/transport behind it when known (rbd, iscsi, nvme, virtio, scsi).
   */
  'backing': (string);
}
