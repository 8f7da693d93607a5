import { readlinkSync } from 'node:fs';

/**
 * Which driver or transport is behind a block device "major:minor":
 * the /sys/dev/block symlink names it (…/devices/virtual/block/rbd0,
 * …/host3/session1/target3:0:0/… for iSCSI, …/nvme-fabrics/… for NVMe-oF).
 */
export function blockBacking(device: string, sysRoot = '/sys'): string {
  let target: string;
  try {
    target = readlinkSync(`${sysRoot}/dev/block/${device}`);
  } catch {
    return '';
  }
  if (/\/rbd\d+/.test(target)) return 'rbd';
  if (/\/nbd\d+/.test(target)) return 'nbd';
  if (/\/session\d+\//.test(target)) return 'iscsi';
  if (/nvme-fabrics|nvme-subsys.*\/nvme\d+c/.test(target)) return 'nvme-fabrics';
  if (/\/nvme\d/.test(target)) return 'nvme';
  if (/\/virtio\d/.test(target)) return 'virtio';
  if (/\/dm-\d+/.test(target)) return 'device-mapper';
  if (/\/loop\d+/.test(target)) return 'loop';
  if (/\/target\d+:/.test(target)) return 'scsi';
  return '';
}
