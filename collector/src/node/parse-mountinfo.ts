import type { Mount } from '../../../proto/generated/whystuck/v1/Mount';

/**
 * Mounts of interest from a mountinfo file: network and userspace filesystems
 * whose failure leaves tasks in D (fuse, nfs, cephfs, smb), network-backed
 * block devices (rbd, nbd, iscsi), and overlay (container root filesystems).
 * `blockBacking` tells, for a major:minor, which driver is behind it.
 */
export function parseMountinfo(text: string, blockBacking: (device: string, source: string) => string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const fsType = right[0] ?? '';
    const source = unescape(right[1] ?? '');
    const device = left[2] ?? '';
    const backing = source.startsWith('/dev/') ? blockBacking(device, source) : '';
    const interest = classify(fsType, source, backing);
    if (!interest) continue;
    mounts.push({
      mount_id: Number(left[0]),
      device,
      mount_point: unescape(left[4] ?? ''),
      options: left[5] ?? '',
      fs_type: fsType,
      source,
      interest,
      backing,
    });
  }
  return mounts;
}

function classify(fsType: string, source: string, backing: string): string {
  if (fsType === 'fuse' || fsType.startsWith('fuse.') || fsType === 'fuseblk') return 'fuse';
  if (fsType.startsWith('nfs')) return 'nfs';
  if (fsType === 'ceph') return 'ceph';
  if (fsType === 'cifs' || fsType === 'smb3') return 'smb';
  if (fsType === 'overlay') return 'overlay';
  if (backing === 'rbd' || /^\/dev\/rbd\d/.test(source)) return 'rbd';
  if (backing === 'nbd' || /^\/dev\/nbd\d/.test(source)) return 'nbd';
  if (backing === 'iscsi') return 'iscsi';
  if (backing === 'nvme-fabrics') return 'network-block';
  return '';
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
