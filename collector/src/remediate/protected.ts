import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { parseCgroupFile, parsePodCgroup, type CgroupLine } from '../cgroups/parse-pod-cgroup';
import { parseStat } from '../procfs/parse-stat';

/**
 * The processes Remediate never signals, whatever the caller, the flags
 * (--allow-host-processes included) or the pod they are in. Killing any of
 * them takes the node, or every pod on it, with it — or locks people out of
 * it. Matched on the comm (what the kernel calls the task, 15 characters at
 * most) and on the executable's file name, so a renamed binary is caught
 * either way. A pod process that names itself "kubelet" is protected too:
 * the list errs on the side of not signalling.
 */
const RULES: Array<{ test: RegExp; what: string }> = [
  { test: /^kubelet$/, what: 'the kubelet' },
  { test: /^containerd$/, what: 'the container runtime (containerd)' },
  // containerd-shim-runc-v2 shows as "containerd-shim" (comm is cut at 15 characters).
  { test: /^containerd-shim/, what: "a containerd shim (it holds its containers' stdio and exit status)" },
  { test: /^(runc|crun)$/, what: 'an OCI runtime (runc / crun)' },
  { test: /^conmon$/, what: 'a CRI-O container monitor (conmon)' },
  { test: /^crio$/, what: 'the container runtime (CRI-O)' },
  { test: /^dockerd$/, what: 'the Docker daemon' },
  { test: /^sshd(-session|-auth)?$/, what: 'sshd (the way in to the node)' },
  { test: /^systemd$/, what: 'systemd' },
  { test: /^systemd-/, what: 'a systemd daemon' },
  { test: /^pause$/, what: "a pod sandbox's pause process" },
];

/** Why a process with this comm (or executable name) is protected, or undefined. */
export function protectedProcessKind(comm: string, exeName?: string): string | undefined {
  for (const name of [comm, exeName]) {
    if (!name) continue;
    const rule = RULES.find((r) => r.test.test(name));
    if (rule) return `${rule.what}${name === comm ? '' : ` (executable ${name})`}`;
  }
  return undefined;
}

/** The file name of a process's executable, when readable ("" otherwise). */
export function exeName(procRoot: string, pid: number): string {
  try {
    const target = readlinkSync(`${procRoot}/${pid}/exe`).replace(/ \(deleted\)$/, '');
    return target.slice(target.lastIndexOf('/') + 1);
  } catch {
    return '';
  }
}

/** Kubelet's cgroup roots: kubepods (cgroupfs), kubepods.slice (systemd), kubelet-kubepods (kind). */
const KUBEPODS = /^(kubelet-)?kubepods([.-]|$)/;
/** What may stand above kubepods: a nested kubelet (kind). */
const KUBELET_PARENT = new Set(['kubelet', 'kubelet.slice']);

/**
 * The pod of a cgroup path, only when the pod's cgroup sits in kubelet's
 * kubepods hierarchy at the root of the cgroup tree (after any ".." of the
 * collector's cgroup namespace, or under a nested kubelet). A cgroup a user
 * made elsewhere and named "pod<uid>" (systemd delegates subtrees to users)
 * does not make a host process a pod's.
 */
export function kubeletPodUid(path: string): string {
  const segments = path.split('/').filter((s) => s !== '' && s !== '..');
  const root = KUBEPODS.test(segments[0] ?? '') ? 0 : KUBELET_PARENT.has(segments[0] ?? '') && KUBEPODS.test(segments[1] ?? '') ? 1 : -1;
  if (root < 0) return '';
  for (let i = root + 1; i < segments.length; i++) {
    const pod = parsePodCgroup(`/${segments[i]}`);
    if (pod) return pod.podUid;
  }
  return '';
}

/** The pod of a task from its cgroup lines, kubepods ancestry required. */
export function kubeletPodOfLines(lines: CgroupLine[]): string {
  for (const l of lines) {
    const uid = kubeletPodUid(l.path);
    if (uid) return uid;
  }
  return '';
}

/** The pod of a process from any of its threads (a zombie leader has left its cgroups), '' when none. */
export function kubeletPodOfProcess(procRoot: string, pid: number, threads: string[]): string {
  for (const tid of threads) {
    try {
      const uid = kubeletPodOfLines(parseCgroupFile(readFileSync(`${procRoot}/${pid}/task/${tid}/cgroup`, 'latin1')));
      if (uid) return uid;
    } catch {
      /* vanished thread */
    }
  }
  return '';
}

/** The collector's own pod (kubepods ancestry required), '' outside Kubernetes. */
export function ownPodUid(): string {
  try {
    return kubeletPodOfLines(parseCgroupFile(readFileSync('/proc/self/cgroup', 'latin1')));
  } catch {
    return '';
  }
}

/** The collector's pid and its ancestors (its container's init, a shell, `npm start`, …). */
export function ownProcessTree(procRoot: string, selfPid: number): Set<number> {
  const tree = new Set<number>([selfPid]);
  let pid = selfPid;
  for (let i = 0; i < 64; i++) {
    let ppid: number | undefined;
    try {
      ppid = parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'))?.ppid;
    } catch {
      break;
    }
    if (!ppid || ppid <= 1 || tree.has(ppid)) break;
    tree.add(ppid);
    pid = ppid;
  }
  return tree;
}

/**
 * Why pids read from `procRoot` cannot be signalled from here, or null. A
 * signal goes to a pid in the collector's own PID namespace; pids from a
 * procfs of another namespace (--proc-root of a container's /proc) or from a
 * directory that is not a live procfs name other processes.
 */
export function pidNamespaceProblem(procRoot: string, selfPid: number): string | null {
  if (procRoot === '/proc') return null;
  let self: string;
  try {
    self = readlinkSync(`${procRoot}/self`);
  } catch {
    return `--proc-root ${procRoot} is not a procfs this collector can see itself in, so its pids are not this collector's: Remediate is refused`;
  }
  if (self !== String(selfPid))
    return `--proc-root ${procRoot} is the procfs of another PID namespace (this collector is pid ${self} there, ${selfPid} here): its pids name other processes, Remediate is refused`;
  try {
    const a = statSync(`${procRoot}/self/ns/pid`);
    const b = statSync('/proc/self/ns/pid');
    if (a.ino !== b.ino || a.dev !== b.dev) return `--proc-root ${procRoot} is the procfs of another PID namespace: Remediate is refused`;
  } catch {
    return `--proc-root ${procRoot}: its PID namespace cannot be compared with this collector's, Remediate is refused`;
  }
  return null;
}
