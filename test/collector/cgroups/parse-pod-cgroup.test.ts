import { parseCgroupFile, parsePodCgroup, podFromCgroupLines } from '../../../collector/src/cgroups/parse-pod-cgroup';

const UID = '6f1c2a4e-7d39-4a1b-9d3e-0c2b9a1f5e77';
const CID = 'a'.repeat(12) + '0123456789abcdef0123456789abcdef0123456789abcdef0123';

describe('parsePodCgroup', () => {
  it.each([
    ['cgroupfs burstable (containerd/docker)', `/kubepods/burstable/pod${UID}/${CID}`, 'burstable', CID, ''],
    ['cgroupfs guaranteed', `/kubepods/pod${UID}/${CID}`, 'guaranteed', CID, ''],
    ['cgroupfs besteffort, CRI-O', `/kubepods/besteffort/pod${UID}/crio-${CID}`, 'besteffort', CID, 'cri-o'],
    ['systemd containerd', `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-${CID}.scope`, 'burstable', CID, 'containerd'],
    ['systemd docker guaranteed', `/kubepods.slice/kubepods-pod${UID.replace(/-/g, '_')}.slice/docker-${CID}.scope`, 'guaranteed', CID, 'docker'],
    ['systemd CRI-O conmon', `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID.replace(/-/g, '_')}.slice/crio-conmon-${CID}.scope`, 'besteffort', CID, 'cri-o'],
    ['cgroup namespace relative (v2)', `/../../kubepods-burstable-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-${CID}.scope`, 'burstable', CID, 'containerd'],
    [
      'nested kubelet (kind)',
      `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-${CID}.scope`,
      'besteffort',
      CID,
      'containerd',
    ],
    ['pod level only', `/kubepods/burstable/pod${UID}`, 'burstable', '', ''],
  ])('%s', (_name, path, qos, cid, runtime) => {
    expect(parsePodCgroup(path)).toEqual({ podUid: UID, qosClass: qos, containerId: cid, runtime });
  });

  it('accepts static-pod hash uids', () => {
    expect(parsePodCgroup(`/kubepods/burstable/pod0123456789abcdef0123456789abcdef/${CID}`)?.podUid).toBe('0123456789abcdef0123456789abcdef');
  });

  it.each(['/', '/system.slice/containerd.service', '/user.slice/user-0.slice/session-1.scope', `/docker/${CID}`, '/kubepods/burstable', '/process_api/9cd5ee4b1ef50564479e06d2332315d0'])(
    'no pod in %s',
    (path) => {
      expect(parsePodCgroup(path)).toBeNull();
    },
  );

  it('prefers the memory controller line of a v1 /proc/PID/cgroup', () => {
    const lines = parseCgroupFile(`12:pids:/kubepods/burstable/pod${UID}/${CID}\n4:memory:/kubepods/burstable/pod${UID}/${CID}\n1:name=systemd:/\n0::/\n`);
    expect(podFromCgroupLines(lines)).toEqual({ pod: { podUid: UID, qosClass: 'burstable', containerId: CID, runtime: '' }, path: `/kubepods/burstable/pod${UID}/${CID}` });
  });
});
