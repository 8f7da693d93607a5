import { randomUUID } from 'node:crypto';
import { readlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createSnapshotter, type Snapshotter } from '../../../collector/src/snapshot/snapshotter';
import { volumeOf } from '../../../collector/src/volumes/read-pod-volumes';
import { runHolderPass } from '../../../collector/src/volumes/holder-pass';
import { cleanupAll } from '../../helpers/kernel/cleanup';
import { fuseAvailable, startFuse } from '../../helpers/kernel/fuse-mount';
import { fakeKubeletRoot, holdInOwnMountNs, holdOpenFile, mountPodVolume } from '../../helpers/kernel/pod-volume';

const root = process.getuid?.() === 0;
const describeRoot = root ? describe : describe.skip;
if (!root) process.stderr.write('pod volume holder tests skipped: mounting and unsharing need root\n');
const fuse = fuseAvailable();
const itFuse = fuse.ok ? it : it.skip;

const nsOf = (pid: number): number => Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/mnt`))?.[1]);

describe('volumeOf', () => {
  it("reads the volume and its plugin from the kubelet's path", () => {
    const uid = '6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77';
    expect(volumeOf(`/var/lib/kubelet/pods/${uid}/volumes/kubernetes.io~csi/pvc-0a1b/mount`, uid)).toEqual({ volume: 'pvc-0a1b', plugin: 'kubernetes.io/csi' });
    expect(volumeOf(`/host/var/lib/kubelet/pods/${uid}/volumes/kubernetes.io~secret/token`, uid)).toEqual({ volume: 'token', plugin: 'kubernetes.io/secret' });
    expect(volumeOf(`/var/lib/kubelet/pods/${uid}/volume-subpaths/data/app/0`, uid)).toEqual({ volume: 'data', plugin: 'subPath' });
  });
});

/**
 * Who holds a pod's volume mounts, read on the real kernel: a tmpfs mounted
 * where the kubelet mounts a pod's emptyDir, under a kubelet root of the
 * test's own; a process in a mount namespace of its own keeps a copy; others
 * have a file open or their cwd there; a FUSE-backed one whose daemon never
 * answers statfs.
 */
describeRoot('pod volume mounts and their holders (real kernel)', () => {
  let snapshotter: Snapshotter;
  let kubeletRoot: string;
  beforeEach(() => {
    kubeletRoot = fakeKubeletRoot();
    snapshotter = createSnapshotter({ kubeletRoot, runtime: false, readDeadlineMs: 250 });
  });
  afterEach(async () => {
    await snapshotter?.close();
    await cleanupAll();
  }, 30000);

  const snap = (uid: string) => snapshotter.snapshot({ scope: 'pod_uid', pod_uid: uid, skip_kmsg: true });

  it('names the mount, the process whose mount namespace keeps a copy, open files and cwd under it, and a backend that answers', async () => {
    const uid = randomUUID();
    const path = mountPodVolume(kubeletRoot, uid, { volume: 'cache' });
    writeFileSync(`${path}/lock`, 'x');
    const copy = await holdInOwnMountNs();
    const opener = await holdOpenFile(`${path}/lock`);
    const inside = await holdInOwnMountNs({ cwd: path });

    const s = await snap(uid);
    expect(s.pod_volumes).toHaveLength(1);
    const v = s.pod_volumes[0];
    expect(v).toMatchObject({ mount_point: path, volume: 'cache', plugin: 'kubernetes.io/empty-dir', fs_type: 'tmpfs', source: 'tmpfs', root: '/', backend_status: 'ok', backend_error: '' });
    expect(v.device).toMatch(/^\d+:\d+$/);
    const byHow = (how: string) =>
      v.holders
        .filter((h) => h.how === how)
        .map((h) => h.pid)
        .sort((a, b) => a - b);
    expect(byHow('mount')).toEqual([copy, inside].sort((a, b) => a - b));
    expect(byHow('open-file')).toEqual([opener]);
    expect(byHow('cwd')).toEqual([inside]);
    const h = v.holders.find((x) => x.pid === copy && x.how === 'mount')!;
    expect(h).toMatchObject({ comm: 'sleep', state: 'S', path, mount_ns: nsOf(copy), pod_uid: '' });
    expect(h.mount_ns).not.toBe(nsOf(process.pid));
    expect(h.start_time_ticks).toBeGreaterThan(0);
    expect(v.holders.find((x) => x.pid === opener)).toMatchObject({ path: `${path}/lock`, mount_ns: nsOf(process.pid) });
    // This process is not a holder: it has nothing open there.
    expect(v.holders.map((x) => x.pid)).not.toContain(process.pid);

    // Another pod's uid has no mounts: nothing, and no problem.
    const other = await snap(randomUUID());
    expect(other.pod_volumes).toEqual([]);
    expect(other.read_problems.filter((p) => /volume/.test(p.path))).toEqual([]);
  }, 30000);

  it('a pass out of time still gives the mounts and the namespaces that keep copies, and says which open files it did not read', async () => {
    const uid = randomUUID();
    const path = mountPodVolume(kubeletRoot, uid, { volume: 'cache' });
    writeFileSync(`${path}/lock`, 'x');
    const copy = await holdInOwnMountNs();
    await holdOpenFile(`${path}/lock`);
    const r = runHolderPass({ procRoot: '/proc', podUid: uid, podsDir: `${kubeletRoot}/pods`, hostPid: 1, maxNamespaces: 1024, maxFds: 200000, maxPerNamespace: 20, budgetMs: 0 });
    expect(r.mounts).toEqual([expect.objectContaining({ mountPoint: path, fsType: 'tmpfs' })]);
    expect(r.holders).toEqual([expect.objectContaining({ pid: copy, how: 'mount' })]);
    expect(r.truncated).toEqual(expect.arrayContaining([expect.stringMatching(/^open files and cwd of \d+ processes not read: the pass's 0 ms ran out$/)]));
  }, 30000);

  it('a mount the host has let go of, still kept by another mount namespace, is reported from that namespace', async () => {
    const uid = randomUUID();
    const path = mountPodVolume(kubeletRoot, uid, { volume: 'token', plugin: 'kubernetes.io~secret' });
    const copy = await holdInOwnMountNs();
    // The kubelet's unmount succeeds on the host; the copy stays in the other namespace.
    expect(spawnSync('umount', [path]).status).toBe(0);
    const s = await snap(uid);
    expect(s.pod_volumes).toEqual([expect.objectContaining({ mount_point: '', volume: 'token', plugin: 'kubernetes.io/secret', fs_type: 'tmpfs', backend_status: 'ok' })]);
    expect(s.pod_volumes[0].holders).toEqual([expect.objectContaining({ pid: copy, how: 'mount', path, mount_ns: nsOf(copy) })]);
  }, 30000);

  itFuse(
    'a backend that does not answer statfs: timed-out, then blocked-earlier, and the snapshot still comes back',
    async () => {
      const mnt = await startFuse({ files: { 'data/file': 'x' }, hang: 'statfs' });
      const uid = randomUUID();
      const path = mountPodVolume(kubeletRoot, uid, { volume: 'pvc-nfs', plugin: 'kubernetes.io~nfs', source: mnt.mountpoint });
      const t0 = Date.now();
      const first = await snap(uid);
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(first.pod_volumes).toEqual([expect.objectContaining({ mount_point: path, volume: 'pvc-nfs', plugin: 'kubernetes.io/nfs', backend_status: 'timed-out' })]);
      expect(first.pod_volumes[0].fs_type).toMatch(/^fuse/);
      expect(first.pod_volumes[0].backend_error).toMatch(/statfs .* did not return in \d+ ms/);
      const second = await snap(uid);
      expect(second.pod_volumes[0]).toMatchObject({ backend_status: 'blocked-earlier' });
      expect(second.pod_volumes[0].backend_error).toMatch(/an earlier statfs of .* has not returned/);
    },
    30000,
  );
});
