import { parseMountinfo } from '../../../collector/src/node/parse-mountinfo';
import { parsePressure } from '../../../collector/src/node/parse-pressure';
import { cpuPercentages, parseProcStat } from '../../../collector/src/node/parse-proc-stat';

describe('parseMountinfo', () => {
  const text = [
    '22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    '310 22 0:51 / /mnt/fuse\\040dir rw,nosuid,nodev,relatime shared:200 - fuse.sshfs host:/x rw,user_id=0,group_id=0',
    '320 22 0:60 / /var/lib/kubelet/pods/p/volumes/kubernetes.io~nfs/data rw,relatime - nfs4 10.0.0.5:/export rw,vers=4.1',
    '330 22 252:0 / /var/lib/kubelet/pods/p/volumes/kubernetes.io~csi/pvc/mount rw,relatime - xfs /dev/rbd0 rw,attr2',
    '340 22 0:70 / /run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw,relatime - overlay overlay rw,lowerdir=/a',
    '350 22 0:80 / /mnt/cephfs rw,relatime - ceph 10.0.0.1:6789:/ rw,name=admin',
    '360 22 8:16 / /data rw,relatime - ext4 /dev/sdb rw',
  ].join('\n');

  it('keeps fuse, nfs, rbd, overlay, ceph and iscsi-backed devices, and nothing else', () => {
    const backing = (dev: string): string => (dev === '8:16' ? 'iscsi' : dev === '252:0' ? 'rbd' : '');
    const mounts = parseMountinfo(text, backing);
    expect(mounts.map((m) => [m.mount_point, m.interest])).toEqual([
      ['/mnt/fuse dir', 'fuse'],
      ['/var/lib/kubelet/pods/p/volumes/kubernetes.io~nfs/data', 'nfs'],
      ['/var/lib/kubelet/pods/p/volumes/kubernetes.io~csi/pvc/mount', 'rbd'],
      ['/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs', 'overlay'],
      ['/mnt/cephfs', 'ceph'],
      ['/data', 'iscsi'],
    ]);
    expect(mounts[2]).toMatchObject({ source: '/dev/rbd0', device: '252:0', fs_type: 'xfs', backing: 'rbd' });
  });
});

describe('node counters', () => {
  it('parses PSI lines', () => {
    expect(parsePressure('io', 'some avg10=21.50 avg60=18.00 avg300=9.10 total=123456\nfull avg10=20.00 avg60=17.00 avg300=8.00 total=100000\n')).toEqual([
      { resource: 'io', kind: 'some', avg10: 21.5, avg60: 18, avg300: 9.1, total_us: '123456' },
      { resource: 'io', kind: 'full', avg10: 20, avg60: 17, avg300: 8, total_us: '100000' },
    ]);
  });

  it('turns two /proc/stat samples into top-style percentages including iowait', () => {
    const a = parseProcStat('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 1 1 1\ncpu1 1 1 1 1\nbtime 1700000000\nprocs_running 2\nprocs_blocked 0\n');
    const b = parseProcStat('cpu  110 0 110 760 120 0 0 0 0 0\nbtime 1700000000\nprocs_running 1\nprocs_blocked 26\n');
    expect(a.cpuCount).toBe(2);
    expect(b.procsBlocked).toBe(26);
    expect(cpuPercentages(a, b)).toEqual([10, 0, 10, 60, 20, 0, 0, 0]);
  });
});
