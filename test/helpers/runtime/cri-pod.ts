import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PodSandboxConfig } from '../../../proto/generated/runtime/v1/PodSandboxConfig';
import type { Mount } from '../../../proto/generated/runtime/v1/Mount';
import type { ContainerStatus__Output } from '../../../proto/generated/runtime/v1/ContainerStatus';
import { TEST_IMAGE, type TestContainerd } from './containerd';

export interface CriPod {
  name: string;
  namespace: string;
  uid: string;
  sandboxId: string;
  /** The pod's cgroup as the kubelet names it (cgroupfs driver): /kubepods/burstable/pod<uid>. */
  cgroupParent: string;
  /** CreateContainer + StartContainer; resolves once the runtime says RUNNING. */
  runContainer(name: string, command: string[], opts?: { mounts?: Mount[] }): Promise<{ id: string }>;
  status(containerId: string): Promise<ContainerStatus__Output>;
}

/** Host network, its own PID namespace per container, IPC shared in the pod: what the kubelet asks for a plain pod. */
const NAMESPACES = { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } as const;

/**
 * A pod created through the CRI exactly as the kubelet does it: RunPodSandbox
 * with the pod's metadata, the kubelet's labels and its cgroup parent under
 * kubepods (burstable QoS), no CNI (host network, so no hostname); then each
 * container with CreateContainer (the sandbox config again, the kubelet's
 * container labels, a log path under the pod's log directory) and
 * StartContainer. Torn down with the runtime (startContainerd's cleanup).
 */
export async function createCriPod(ctrd: TestContainerd, opts: { name?: string; namespace?: string } = {}): Promise<CriPod> {
  const uid = randomUUID();
  const name = opts.name ?? `web-${uid.slice(0, 5)}`;
  const namespace = opts.namespace ?? 'shop';
  const cgroupParent = `/kubepods/burstable/pod${uid}`;
  ctrd.podCgroups.add(cgroupParent);
  const logDirectory = join(ctrd.dir, 'logs', `${namespace}_${name}_${uid}`);
  mkdirSync(logDirectory, { recursive: true });
  const podLabels = { 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': namespace, 'io.kubernetes.pod.uid': uid };
  const config: PodSandboxConfig = {
    metadata: { name, namespace, uid, attempt: 0 },
    log_directory: logDirectory,
    labels: podLabels,
    annotations: { 'kubernetes.io/config.source': 'api', 'kubernetes.io/config.seen': new Date().toISOString() },
    linux: {
      cgroup_parent: cgroupParent,
      security_context: { namespace_options: NAMESPACES },
    },
  };
  const run = await ctrd.cri.call('RunPodSandbox', { config, runtime_handler: '' }, 30000);
  const sandboxId = run.pod_sandbox_id;
  const status = async (id: string): Promise<ContainerStatus__Output> => {
    const r = await ctrd.cri.call('ContainerStatus', { container_id: id, verbose: false }, 5000);
    if (!r.status) throw new Error(`no status for container ${id}`);
    return r.status;
  };
  return {
    name,
    namespace,
    uid,
    sandboxId,
    cgroupParent,
    status,
    async runContainer(cname, command, o = {}) {
      const created = await ctrd.cri.call(
        'CreateContainer',
        {
          pod_sandbox_id: sandboxId,
          config: {
            metadata: { name: cname, attempt: 0 },
            image: { image: TEST_IMAGE },
            command,
            labels: { ...podLabels, 'io.kubernetes.container.name': cname },
            annotations: { 'io.kubernetes.container.restartCount': '0', 'io.kubernetes.container.terminationMessagePath': '/dev/termination-log' },
            log_path: `${cname}/0.log`,
            mounts: o.mounts ?? [],
            linux: { security_context: { namespace_options: NAMESPACES } },
          },
          sandbox_config: config,
        },
        30000,
      );
      await ctrd.cri.call('StartContainer', { container_id: created.container_id }, 30000);
      await waitForState(status, created.container_id, 'CONTAINER_RUNNING');
      return { id: created.container_id };
    },
  };
}

/** Polls ContainerStatus until the container is in `state`. */
export async function waitForState(status: (id: string) => Promise<ContainerStatus__Output>, id: string, state: string, timeoutMs = 10000): Promise<void> {
  let last = '';
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    last = (await status(id)).state;
    if (last === state) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`container ${id} is ${last}, not ${state}, after ${timeoutMs} ms`);
}
