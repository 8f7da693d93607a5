import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { unixEndpoint } from './cri-client';

/** Where CRI runtimes put their socket, most common first (crictl's list, plus k3s). */
export const USUAL_RUNTIME_SOCKETS = [
  '/run/containerd/containerd.sock',
  '/run/crio/crio.sock',
  '/var/run/containerd/containerd.sock',
  '/var/run/crio/crio.sock',
  '/run/k3s/containerd/containerd.sock',
  '/var/run/cri-dockerd.sock',
];

export type RuntimeEndpoint = { status: 'configured' | 'found'; endpoint: string } | { status: 'not-found'; searched: string[] };

/**
 * The runtime's CRI endpoint: the configured one (`--runtime-endpoint`), else
 * the first of the usual sockets that exists under the host's root. In a
 * DaemonSet the host's root is also reachable as /proc/1/root (hostPID and
 * CAP_SYS_PTRACE, which the collector has): no hostPath mount is needed.
 * Only stat() of paths on the host's /run: nothing here can block.
 */
export async function findRuntimeEndpoint(opts: { configured?: string; hostRoot?: string; procRoot?: string }): Promise<RuntimeEndpoint> {
  if (opts.configured) return { status: 'configured', endpoint: unixEndpoint(opts.configured) };
  const roots = [opts.hostRoot ?? '/'];
  // /proc/1/root only on the real procfs (another proc root may be a test's FUSE mount).
  if ((opts.procRoot ?? '/proc') === '/proc' && !roots.includes('/proc/1/root')) roots.push('/proc/1/root');
  const searched = roots.flatMap((root) => USUAL_RUNTIME_SOCKETS.map((sock) => (root === '/' ? sock : join(root, sock))));
  // All at once (one turn of the event loop, not one per path); the first in order wins.
  const sockets = await Promise.all(
    searched.map((path) =>
      stat(path).then(
        (s) => s.isSocket(),
        () => false,
      ),
    ),
  );
  const at = sockets.indexOf(true);
  return at >= 0 ? { status: 'found', endpoint: unixEndpoint(searched[at]) } : { status: 'not-found', searched };
}
