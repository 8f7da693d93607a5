import { loadCollectorConfig } from '../../../collector/src/cli/collector-config';

describe('collector flags for the container runtime', () => {
  const base = ['--listen', '127.0.0.1:1', '--insecure'];

  it('defaults: socket found among the usual ones under /, a 2 s deadline', () => {
    expect(loadCollectorConfig(base, {})).toMatchObject({ runtimeEndpoint: undefined, hostRoot: '/', runtimeDeadlineMs: 2000 });
  });

  it("the kubelet's root (pod volume mounts are under its pods/): /var/lib/kubelet, or --kubelet-root", () => {
    expect(loadCollectorConfig(base, {}).kubeletRoot).toBe('/var/lib/kubelet');
    expect(loadCollectorConfig([...base, '--kubelet-root', '/data/kubelet'], {}).kubeletRoot).toBe('/data/kubelet');
  });

  it('takes an endpoint as unix:// or as a path, a host root and a deadline', () => {
    expect(loadCollectorConfig([...base, '--runtime-endpoint', 'unix:///run/containerd/containerd.sock', '--host-root', '/host', '--runtime-deadline-ms', '500'], {})).toMatchObject({
      runtimeEndpoint: 'unix:///run/containerd/containerd.sock',
      hostRoot: '/host',
      runtimeDeadlineMs: 500,
    });
    expect(loadCollectorConfig([...base, '--runtime-endpoint', '/run/crio/crio.sock'], {}).runtimeEndpoint).toBe('/run/crio/crio.sock');
  });

  it.each([
    [['--runtime-endpoint', 'tcp://10.0.0.1:10010'], /bad runtimeEndpoint: a unix socket/],
    [['--runtime-endpoint', 'containerd.sock'], /bad runtimeEndpoint: a unix socket/],
    [['--host-root', 'host'], /bad hostRoot: an absolute path/],
    [['--kubelet-root', 'var/lib/kubelet'], /bad kubeletRoot: an absolute path/],
    [['--runtime-deadline-ms', '50'], /bad runtimeDeadlineMs: an integer from 100 to 30000/],
  ])('refuses %j with a message that names the problem', (argv, message) => {
    expect(() => loadCollectorConfig([...base, ...(argv as string[])], {})).toThrow(message);
  });
});
