/**
 * Finds the Kubernetes pod and container behind a cgroup path, for both
 * kubelet cgroup drivers and every common runtime:
 *
 *   cgroupfs: /kubepods/burstable/pod<uid>/<64-hex id>        (containerd, docker)
 *             /kubepods/pod<uid>/crio-<id>                     (CRI-O; guaranteed QoS)
 *   systemd:  /kubepods.slice/kubepods-burstable.slice/
 *               kubepods-burstable-pod<uid_with_underscores>.slice/cri-containerd-<id>.scope
 *             ...docker-<id>.scope, crio-<id>.scope, crio-conmon-<id>.scope
 *
 * Paths seen from inside a cgroup namespace ("/../../kubepods-...") and
 * nested kubelets ("/kubelet/kubepods/...", kind) parse the same way.
 */
export interface PodCgroup {
  podUid: string;
  qosClass: 'guaranteed' | 'burstable' | 'besteffort';
  /** '' when the path is the pod's own cgroup (e.g. the sandbox level). */
  containerId: string;
  runtime: 'containerd' | 'cri-o' | 'docker' | '';
}

const UID = '([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})';
// "pod<uid>", or a systemd slice "<prefix>-pod<uid_>.slice" whose prefix names the QoS class.
const POD_SEGMENT = new RegExp(`^(?:([\\w-]*kubepods[\\w-]*)-)?pod${UID}(?:\\.slice)?$`);
const CONTAINER_SEGMENT = /^(?:(cri-containerd|docker|crio-conmon|crio|containerd)-)?([0-9a-f]{64})(?:\.scope)?$/;

const RUNTIME: Record<string, PodCgroup['runtime']> = {
  'cri-containerd': 'containerd',
  containerd: 'containerd',
  docker: 'docker',
  crio: 'cri-o',
  'crio-conmon': 'cri-o',
};

export function parsePodCgroup(path: string): PodCgroup | null {
  const segments = path.split('/');
  const kube = segments.findIndex((s) => s.startsWith('kubepods') || /^kubelet-kubepods/.test(s));
  for (let i = Math.max(0, kube); i < segments.length; i++) {
    const m = POD_SEGMENT.exec(segments[i]);
    if (!m) continue;
    const before = `${segments.slice(0, i).join('/')}/${m[1] ?? ''}`;
    const qos = /besteffort/.test(before) ? 'besteffort' : /burstable/.test(before) ? 'burstable' : 'guaranteed';
    const c = CONTAINER_SEGMENT.exec(segments[i + 1] ?? '');
    return {
      podUid: m[2].replace(/_/g, '-'),
      qosClass: qos,
      containerId: c ? c[2] : '',
      runtime: c ? (RUNTIME[c[1] ?? ''] ?? '') : '',
    };
  }
  return null;
}

/** One line of /proc/PID/cgroup: "hierarchy-id:controllers:path". */
export interface CgroupLine {
  controllers: string;
  path: string;
}

export function parseCgroupFile(text: string): CgroupLine[] {
  const lines: CgroupLine[] = [];
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) continue;
    lines.push({ controllers: line.slice(a + 1, b), path: line.slice(b + 1) });
  }
  return lines;
}

/**
 * The pod of a task from all of its cgroup lines, and the most telling path:
 * the memory controller (v1) or the unified hierarchy (v2) when it names a pod.
 */
export function podFromCgroupLines(lines: CgroupLine[]): { pod: PodCgroup | null; path: string } {
  const rank = (l: CgroupLine): number => (l.controllers.split(',').includes('memory') ? 0 : l.controllers === '' ? 1 : 2);
  const sorted = [...lines].sort((x, y) => rank(x) - rank(y));
  for (const line of sorted) {
    const pod = parsePodCgroup(line.path);
    if (pod) return { pod, path: line.path };
  }
  return { pod: null, path: sorted[0]?.path ?? '' };
}
