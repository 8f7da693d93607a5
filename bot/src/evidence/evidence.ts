import type { BackendLineKind, BackendSubsystem } from '../../../collector/src';
import type { LogTimeScale } from './log-time-scale';

/**
 * The one evidence model every rule reads. Two sources fill it: a collector
 * snapshot (from-snapshot.ts) and pasted text (paste/). A field that is
 * undefined was not seen; what could not be read is said in `missing`.
 */

export interface Frame {
  fn: string;
  /** "+0x1a3/0x1f0" when printed. */
  offset: string;
  /** "fuse" for "[fuse]"; '' for built-in code. */
  module: string;
  /** "?" frames of a call trace: stale values on the stack, not the call chain. */
  unreliable: boolean;
}

export interface Task {
  /** Thread id (what the kernel calls pid). 0 when the paste did not say. */
  tid: number;
  /** Process id (tgid) when known. */
  pid?: number;
  ppid?: number;
  comm: string;
  /** One letter as in /proc/PID/stat: R S D Z T t X I P. */
  state?: string;
  /** ps STAT modifiers after the letter (s l + N < L). */
  stateExtra?: string;
  flags?: number;
  numThreads?: number;
  wchan?: string;
  /** The wait channel was cut to this many characters (`ps -l` prints 6, `wchan:N` N): match it by prefix. */
  wchanWidth?: number;
  stack?: Frame[];
  nsPid?: number[];
  pidNsInode?: number;
  isPidNsInit?: boolean;
  tracerPid?: number;
  sigPending?: string;
  sigSharedPending?: string;
  sigBlocked?: string;
  cgroupPath?: string;
  podUid?: string;
  containerId?: string;
  cmdline?: string;
  /** Clock ticks since boot (stat field 22): the identity used against PID reuse. */
  startTime?: number;
  /** Start as ps printed it (START, STIME, lstart). */
  started?: string;
  isKernelThread?: boolean;
  freezerState?: string;
  user?: string;
  cpuPct?: number;
  /** "workqueue: writeback wb_workfn (flush-254:16)" from a sysrq/hung-task dump. */
  workqueue?: string;
  /** Its user-space stack, innermost first, from a debugger's backtrace (gdb `bt`, pstack, eu-stack). */
  userStack?: UserFrame[];
  /** What it waits on in user space, read off `userStack` (diagnosis/user-wait-sites.ts). */
  userWait?: UserWait;
  /**
   * Where facts came from when not observed directly: 'derived' (inferred from
   * other facts, e.g. a state read off the kernel stack) or 'stated' (a person
   * said it in prose). A field absent here was observed. A kill verdict never
   * rests on derived or stated facts alone.
   */
  provenance?: Partial<Record<TaskFact, 'derived' | 'stated'>>;
  /**
   * How the task is known when no line of its own showed it: only as another
   * task's parent, a lock owner, an OOM invoker, an oops' current task, or a
   * pid named in prose. Findings may name it; nothing may signal it on that alone.
   */
  placeholder?: 'ppid' | 'lock-owner' | 'oom-invoker' | 'oops-task' | 'stated' | 'strace-target' | 'waited-child';
  /** The task has exited (do_exit seen, or `[name]` with no memory and children left). */
  exited?: boolean;
  /** Signal dispositions from /proc/PID/status (hex masks). */
  sigCaught?: string;
  sigIgnored?: string;
  /**
   * Started after its pod's deletion began (deletionTimestamp minus the grace
   * period) by this many seconds: a process exec'd into the container then (a
   * preStop hook, a `kubectl exec`) when `exec` (its parent is outside the
   * container: the runtime's shim, or another such process), else a child the
   * container's own processes started during shutdown.
   */
  startedAfterDeletion?: { afterSeconds: number; exec: boolean; podUid: string };
  /** Facts that could not be read, in words ("stack unreadable: timed-out after 250 ms"). */
  missing: string[];
  /** The lines that showed this task (capped). */
  lines: string[];
}

/** The Task fields a provenance can be recorded for. */
export type TaskFact = 'state' | 'ppid' | 'comm' | 'wchan' | 'stack' | 'numThreads' | 'exited' | 'isPidNsInit' | 'pid' | 'userStack';

/** One frame of a user-space backtrace: "#1  0x… in __libc_waitpid (pid=9124, stat_loc=…, options=0) at waitpid.c:31". */
export interface UserFrame {
  /** As printed ("__libc_waitpid", "Pid1Main(void*)", "??"). */
  fn: string;
  /** The argument list as printed, without its parentheses (capped); undefined when none was printed. */
  args?: string;
  /** "waitpid.c:31" after `at`, or the library after `from`. */
  where?: string;
}

/**
 * What a task waits on in user space, from the innermost frames of its
 * backtrace (system-call wrappers skipped):
 *   child   waitpid / wait4 / waitid: `pid` is the child waited for (-1 any
 *           child, 0 or less than -1 a process group); `nohang` with WNOHANG
 *   signal  sigwait / sigtimedwait / sigwaitinfo / sigsuspend / pause
 *   poll    poll / select / epoll_wait;  futex  a mutex, condition variable,
 *           semaphore or join;  io  read / recv / accept / connect / write;
 *           sleep  nanosleep
 */
export interface UserWait {
  kind: 'child' | 'signal' | 'poll' | 'futex' | 'io' | 'sleep';
  /** The frame that waits, as printed. */
  fn: string;
  pid?: number;
  nohang?: boolean;
  /**
   * The task waits to learn that a child exited: a blocking wait call, or a
   * signal wait whose callers say so (WaitForChild, reap_children, a SIGCHLD handler).
   */
  forChild?: boolean;
}

export type ReportKind = 'hung-task' | 'soft-lockup' | 'hard-lockup' | 'rcu-stall' | 'oom-kill' | 'kernel-bug' | 'task-dump' | 'backtrace';

export interface KernelReport {
  kind: ReportKind;
  /** Time as printed (monotonic seconds for raw dmesg, the wall-clock text otherwise). */
  time: string;
  headline: string;
  comm?: string;
  pid?: number;
  cpu?: number;
  /** Seconds stuck / blocked, from the headline. */
  seconds?: number;
  /** Kernel-mode RIP function ("multi_cpu_stop") when the report has registers. */
  rip?: string;
  frames: Frame[];
  kernelRelease?: string;
  /** OOM: the memory cgroup that hit its limit ("/kubepods/burstable/pod.../...") and the victim. */
  oomMemcg?: string;
  oomConstraint?: string;
  victim?: { pid: number; comm: string };
  /** "writeback wb_workfn (flush-254:16)" for kworkers. */
  workqueue?: string;
  /** Hung task: "blocked on a mutex likely owned by task X:PID" (and rwsem / semaphore variants). */
  blocker?: { pid: number; comm: string; lock?: string };
  /** "Kernel panic - not syncing: REASON". */
  panicReason?: string;
  /** RCU stall: the pids the report lists as stalled or starved (kthread named). */
  stalledPids?: number[];
  /** The report was cut before its end (a `[...]` or the paste ended inside it). */
  partial?: boolean;
  /** How many times this report (same kind, task and frames) appeared. */
  count: number;
  /** Time of its last appearance, when it appeared more than once (`time` is the first). */
  lastTime?: string;
  lines: string[];
}

/** The kinds of the collector's classification of backend lines, and the bot's own blk-hung (block I/O that hangs). */
export type BackendKind = BackendLineKind | 'blk-hung';

export interface BackendEvent {
  kind: BackendKind;
  subsystem: BackendSubsystem;
  /** Device, server or OSD the line names ("rbd3", "nfs01", "osd3", "sdb"). */
  target: string;
  first: { time: string; text: string };
  last: { time: string; text: string };
  count: number;
}

export interface LogNote {
  kind: 'netdev-refcount' | 'runtime-timeout' | 'runtime-kill-failed' | 'freezer';
  target: string;
  count: number;
  first: { time: string; text: string };
  last: { time: string; text: string };
}

export interface NodeEvidence {
  hostname?: string;
  kernelRelease?: string;
  cpuCount?: number;
  loadavg?: { one: number; five: number; fifteen: number; running?: number; total?: number };
  cpu?: { idlePct?: number; iowaitPct?: number; userPct?: number; systemPct?: number };
  /** From top's "Tasks:" line or /proc/stat. */
  taskCounts?: { total?: number; running?: number; sleeping?: number; stopped?: number; zombie?: number; blocked?: number };
  /** version: 1 = v1 freezer.state (signals wait for the thaw), 2 = v2 cgroup.freeze (fatal signals still kill). */
  freezers: { path: string; podUid?: string; state: string; version?: 1 | 2 }[];
  mounts: { mountPoint: string; fsType: string; source: string; device: string; backing: string }[];
  memcgOom: { path: string; podUid?: string; oomKills: number; underOom: boolean }[];
  /**
   * Memory cgroups at their limit without an OOM kill (memory.events `max`/`high`
   * counts with oom_kill 0, or usage at memory.max / limit_in_bytes): reclaim
   * pressure, the ground a reclaim loop grows on.
   */
  memcgPressure?: { path: string; podUid?: string; maxEvents?: number; highEvents?: number; limitBytes?: number; usageBytes?: number; line: string }[];
}

export interface InputPart {
  kind: string;
  lines: [number, number];
}

export interface Unreadable {
  lines: [number, number];
  reason: string;
}

/**
 * A fact a person stated in prose ("stuck in zap_pid_ns_processes", "kill -9
 * does nothing", "load 50 with CPUs idle"): low confidence, enough to suggest a
 * finding and ask for the evidence that would confirm it, never enough for a
 * signal to be "effective".
 */
export interface StatedFact {
  kind: 'wait-site' | 'state' | 'kill-ineffective' | 'load-idle' | 'terminating' | 'hang' | 'zombie' | 'oom' | 'upstream-defect' | 'orphans' | 'memory-at-limit' | 'other';
  /** upstream-defect: the bug or commit cited, and whether the text says it was fixed or reverted. */
  ref?: string;
  fixed?: boolean;
  /** The sentence as written (trimmed, capped). */
  text: string;
  line: number;
  pid?: number;
  comm?: string;
  /** Function or wait channel named ("zap_pid_ns_processes", "rwsem_down_read_slowpath"). */
  site?: string;
  state?: string;
  load?: number;
}

/** A Kubernetes object named by a paste (`kubectl get pod -o wide`, describe, events) or read from the API. */
export interface KubeObject {
  kind: 'pod' | 'node' | 'volume' | 'finalizer' | 'namespace' | 'pvc' | 'container' | 'other';
  name: string;
  namespace?: string;
  /** Status column / phase / Ready condition as printed ("Terminating", "NotReady"). */
  status?: string;
  node?: string;
  /** CPU / memory use as `kubectl top` or `docker stats` printed it ("cpu 250m, memory 512Mi (93%)"). */
  usage?: string;
  line?: string;
}

/**
 * The Kubernetes layer of a stuck pod: the API objects (pods, nodes, events),
 * the kubelet's volume operations, the container runtime's view (CRI), and who
 * holds a pod's mounts. Pastes fill it (paste/kube-*.ts: kubectl YAML / JSON /
 * describe / get, kubelet and runtime logs, crictl); live reads fill the same
 * fields (the API with the bot's client, the CRI v1 API on the node). Times are
 * kept as printed (RFC 3339, RFC 1123, `date`); `now` is what ages count from.
 * Runtime stop/kill errors stay in `notes` (kind 'runtime-kill-failed'): they
 * are log records with times, dated like the others.
 */
export interface KubeEvidence {
  pods: KubePod[];
  nodes: KubeNode[];
  events: KubeEvent[];
  volumes: KubeVolumeIssue[];
  mountHolders: KubeMountHolder[];
  runtime: { sandboxes: CriSandbox[]; containers: CriContainer[]; unanswered?: string };
  /**
   * Lines of the workload's own log (a container's klog/JSON/logfmt output,
   * not the kubelet's or the runtime's): the program still runs and logs.
   */
  containerLog?: { count: number; first: string; last: string };
  /** What the person says about the pods in words (paste only). */
  stated: KubeStatement[];
  /** The time the evidence was taken (live: the API read, RFC 3339; a paste: a `date` it shows, as printed). */
  now?: string;
  /** PersistentVolumeClaims (a pod's claims, read live or pasted). */
  claims?: KubeClaim[];
  /** storage.k8s.io VolumeAttachments (the pod's node's, read live or pasted). */
  attachments?: KubeAttachment[];
  /** CSINode objects: the CSI drivers registered on each node. */
  csiNodes?: { node: string; drivers: string[]; line: string }[];
  /** PersistentVolumes (those bound to the pod's claims, read live or pasted). */
  persistentVolumes?: KubePersistentVolume[];
  /** The controllers that should remove a deleting pod's finalizers, looked for live: their pods and recent events. */
  controllers?: KubeControllerLook[];
  /** Live API reads that failed or did not answer in time: said in the answer, never dropped. */
  unread?: { what: string; why: string }[];
  /** The pod's volume mounts as the node has them (live: the collector's pod snapshot), with whether their backend answers. */
  podMounts?: KubePodMount[];
}

/** One volume mount of a pod under the kubelet's pods directory, read on the node. */
export interface KubePodMount {
  podUid?: string;
  volume: string;
  /** "kubernetes.io/empty-dir", "kubernetes.io/csi", "subPath". */
  plugin?: string;
  /** Where the host has it; undefined when only other mount namespaces still have it. */
  mountPoint?: string;
  fsType?: string;
  source?: string;
  /** A statfs of it under a deadline: whether the filesystem behind it answers. */
  backend: { status: 'ok' | 'timed-out' | 'blocked-earlier' | 'error' | 'not-read'; error?: string; ms?: number };
  line: string;
}

export interface KubeClaim {
  name: string;
  namespace?: string;
  /** Bound PersistentVolume (spec.volumeName). */
  volumeName?: string;
  phase?: string;
  storageClass?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  line: string;
}

export interface KubePersistentVolume {
  name: string;
  /** The volume source: "csi", "nfs", "local", "hostPath", "awsElasticBlockStore" … */
  source?: string;
  /** spec.csi.driver. */
  driver?: string;
  /** spec.csi.volumeHandle: the volume in the storage backend. */
  volumeHandle?: string;
  /** spec.persistentVolumeReclaimPolicy: Delete | Retain | Recycle. */
  reclaimPolicy?: string;
  /** status.phase: Available | Bound | Released | Failed | Pending. */
  phase?: string;
  /** spec.claimRef. */
  claim?: { namespace?: string; name: string };
  storageClass?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  line: string;
}

/**
 * The controller that should remove a finalizer of a deleting pod, looked
 * for through the API (kube/finalizer-controllers.ts says how and how sure):
 * its pods, their recent events, or why it could not be read.
 */
export interface KubeControllerLook {
  /** The finalizers of the pod it removes. */
  finalizers: string[];
  /** "kube-controller-manager (the Job controller)", "the controller of example.com". */
  controller: string;
  /** 'labels': the controller's own labels; 'names': Deployments whose name matches the finalizer (a guess). */
  by: 'labels' | 'names';
  /** How it was looked for: "pods in kube-system with component=kube-controller-manager". */
  how: string;
  /** What finding nothing means here. */
  noneMeans: string;
  /** By name: the Deployments that matched, with why. */
  deployments: { namespace: string; name: string; replicas?: number; ready?: number; matched: string; line: string }[];
  pods: KubeControllerPod[];
  /** Recent events of those pods. */
  events: KubeEvent[];
  /** Parts read but not all: "events of kube-system/x (why)". */
  partial?: string[];
  /** Not read at all: why. */
  unread?: string;
}

export interface KubeControllerPod {
  namespace?: string;
  name: string;
  uid?: string;
  node?: string;
  phase?: string;
  deleting?: boolean;
  /** Containers ready and in all. */
  ready: number;
  total: number;
  /** Restarts of all its containers. */
  restarts: number;
  /** A container waiting, by its reason ("CrashLoopBackOff", "ImagePullBackOff"). */
  waiting?: string;
  /** The last termination of its most restarted container. */
  lastExit?: { reason?: string; exitCode?: number; finishedAt?: string };
  line: string;
}

export interface KubeAttachment {
  name: string;
  node?: string;
  /** spec.attacher: the CSI driver. */
  attacher?: string;
  /** spec.source.persistentVolumeName. */
  pv?: string;
  attached?: boolean;
  attachError?: string;
  detachError?: string;
  deletionTimestamp?: string;
  line: string;
}

export interface KubePod {
  /** metadata.name; the uid when nothing else names it (kubelet lines often give only the uid). */
  name: string;
  namespace?: string;
  uid?: string;
  /** spec.nodeName. */
  node?: string;
  /** status.phase. */
  phase?: string;
  /** What kubectl printed as STATUS ("Terminating", "Running", "Unknown"). */
  shown?: string;
  /** status.reason / status.message ("NodeLost", "Node X which was running pod Y is unresponsive"). */
  reason?: string;
  message?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  terminationGracePeriodSeconds?: number;
  creationTimestamp?: string;
  /** metadata.finalizers in order (undefined: not seen; [] seen empty). */
  finalizers?: string[];
  ownerReferences?: { kind: string; name: string; uid?: string; controller?: boolean }[];
  /** READY as kubectl printed it. */
  ready?: { ready: number; total: number };
  containers: KubeContainerStatus[];
  /** preStop hooks of the spec, per container ("exec: /bin/drain.sh", "httpGet: /shutdown"). */
  preStop?: { container: string; action: string }[];
  /** spec.volumes: name and source ("secret", "persistentVolumeClaim data-0", "nfs 10.0.0.5:/export"). */
  volumes?: { name: string; source: string; claim?: string }[];
  conditions?: { type: string; status: string; reason?: string }[];
  /** The object was cut before its end: a field not seen may exist. */
  partial?: boolean;
  /** Known only from words (a sentence, `kubectl delete pod NAME` quoted in prose). */
  stated?: boolean;
  /** A deletion was asked for (`kubectl delete pod`, a sentence) with no deletionTimestamp shown. */
  deletionAsked?: string;
  lines: string[];
}

export interface KubeContainerStatus {
  name: string;
  /** 'running' | 'waiting' | 'terminated' (state now); lastState as `last`. */
  state?: string;
  reason?: string;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  ready?: boolean;
  containerId?: string;
  restartCount?: number;
  last?: { state: string; reason?: string; exitCode?: number; finishedAt?: string };
}

export interface KubeNode {
  name: string;
  /** The Ready condition's status: 'True' | 'False' | 'Unknown'. */
  ready?: string;
  /** What kubectl printed as STATUS ("NotReady", "Ready,SchedulingDisabled"). */
  shown?: string;
  reason?: string;
  message?: string;
  lastHeartbeat?: string;
  lastTransition?: string;
  taints: { key: string; value?: string; effect: string; timeAdded?: string }[];
  unschedulable?: boolean;
  lines: string[];
}

export interface KubeEvent {
  type?: string;
  reason: string;
  /** The involved object ("pod", "web-0", "shop"); describe's events are its object's. */
  object?: { kind: string; name: string; namespace?: string };
  source?: string;
  message: string;
  count?: number;
  /** Age as printed ("3m", "3m (x12 over 40m)") or times (firstTimestamp / lastTimestamp). */
  age?: string;
  first?: string;
  last?: string;
  line: string;
}

/** A kubelet volume operation that fails (or a pod volume path that errors when touched). */
export interface KubeVolumeIssue {
  /** The pod's name for the volume ("cattle-token-dp24k", "data", a PV name "pvc-…"). */
  volume: string;
  operation: 'unmount' | 'unmount-device' | 'subpath-cleanup' | 'detach' | 'mount' | 'attach' | 'multi-attach' | 'access';
  /** The error as printed after the operation ("remove …: device or resource busy"). */
  error: string;
  errno?: 'EBUSY' | 'ESTALE' | 'EIO' | 'ENOTCONN' | 'EXIT32' | 'DRIVER' | 'TIMEOUT' | 'OTHER';
  podUid?: string;
  pod?: string;
  namespace?: string;
  /** Volume plugin ("kubernetes.io/secret", "kubernetes.io/csi") and CSI driver when named. */
  plugin?: string;
  driver?: string;
  pvc?: string;
  /** The path under the kubelet's directory the error names. */
  path?: string;
  count: number;
  time?: string;
  line: string;
}

/** A task whose mount namespace (or open files, cwd) holds a pod's mount. */
export interface KubeMountHolder {
  pid: number;
  comm?: string;
  mountNs?: string;
  how: 'mount' | 'open-file' | 'cwd';
  /** The mount point as that task sees it ("/host/var/lib/kubelet/pods/…/cattle-token-dp24k"). */
  path: string;
  podUid?: string;
  volume?: string;
  fsType?: string;
  /** Live: the holder's state letter and start time (ticks), and the pod it belongs to itself (its cgroup). */
  state?: string;
  startTime?: number;
  holderPodUid?: string;
  line: string;
}

export interface CriSandbox {
  id: string;
  name?: string;
  namespace?: string;
  podUid?: string;
  /** SANDBOX_READY | SANDBOX_NOTREADY (crictl pods prints Ready / NotReady). */
  state?: string;
  createdAt?: string;
  line: string;
}

export interface CriContainer {
  id: string;
  name?: string;
  podSandboxId?: string;
  pod?: string;
  podUid?: string;
  /** CONTAINER_CREATED | CONTAINER_RUNNING | CONTAINER_EXITED | CONTAINER_UNKNOWN (crictl ps prints Running / Exited). */
  state?: string;
  pid?: number;
  exitCode?: number;
  reason?: string;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  line: string;
}

export interface KubeStatement {
  /** 'stuck': a pod said to hang / stay Terminating; 'deleted': a deletion asked for; 'finalizer': a finalizer named; 'fixed-by': what made it go away. */
  kind: 'stuck' | 'deleted' | 'finalizer' | 'fixed-by';
  text: string;
  line: number;
  pod?: string;
  finalizer?: string;
}

export function emptyKubeEvidence(): KubeEvidence {
  return { pods: [], nodes: [], events: [], volumes: [], mountHolders: [], runtime: { sandboxes: [], containers: [] }, stated: [] };
}

export interface Evidence {
  source: 'paste' | 'snapshot';
  tasks: Task[];
  reports: KernelReport[];
  backend: BackendEvent[];
  notes: LogNote[];
  node: NodeEvidence;
  inputs: InputPart[];
  unreadable: Unreadable[];
  /** Read problems of a live snapshot that are evidence themselves (stuck /proc reads). */
  procReadProblems: { path: string; pid: number; reason: string; triedMs: number }[];
  /** Whole-node facts that were not available (e.g. "no kernel log: needs CAP_SYSLOG"). */
  missing: string[];
  /** Facts stated in prose (paste only). */
  stated: StatedFact[];
  /** Kubernetes objects the input names. */
  objects: KubeObject[];
  /** The Kubernetes layer (API objects, volumes, runtime) when the input shows it. */
  kube?: KubeEvidence;
  /** Lines where the paste was cut (`[...]`, `...`, "snip"): lists and reports near them are partial. */
  cuts: number[];
  /**
   * Reads of another process's /proc files seen not to return (an strace of
   * `ps` or of `-p PID` that stops in open/read of /proc/TARGET/cmdline):
   * the reader waits behind the target (its mmap lock, usually).
   */
  blockedReads: { readerPid?: number; readerComm?: string; path: string; targetPid: number; syscall: string; line: number; text: string }[];
  /**
   * Snapshot only: the tasks the kernel log describes (hung-task reports,
   * lockup dumps) as they were then. They are history, not live tasks: the
   * live ones are in `tasks`; a report about a task still in that state is
   * matched to it by pid and start time (diagnosis/recency.ts).
   */
  logTasks?: Task[];
  /** What "now" is for this evidence and how far back its kernel log reaches. */
  clock?: EvidenceClock;
}

/** Snapshot times (a paste's "now" is its newest line, found from the lines themselves). */
export interface EvidenceClock {
  /** When the snapshot was taken (unix ms). */
  takenAtMs?: number;
  /** Boot time (unix seconds): monotonic log times + this = wall clock. */
  bootTimeUnix?: number;
  /** Seconds since boot when the snapshot was taken: the reference for monotonic log times. */
  uptimeSeconds?: number;
  /** USER_HZ: start times in ticks / this = seconds since boot. */
  clockTicksPerSecond?: number;
  /** The oldest kernel-log record read (monotonic seconds as the log prints them). */
  logFrom?: string;
  /** Records older than logFrom were lost (the ring overwrote them). */
  logOverwritten?: boolean;
  /**
   * The oldest and newest time of the log lines read, per clock (a paste's
   * "now" is its newest line; times on different clocks are not comparable).
   */
  logSpans?: Partial<Record<LogTimeScale, { first: string; last: string }>>;
}

export function emptyEvidence(source: Evidence['source']): Evidence {
  return {
    source,
    tasks: [],
    reports: [],
    backend: [],
    notes: [],
    node: { freezers: [], mounts: [], memcgOom: [] },
    inputs: [],
    unreadable: [],
    procReadProblems: [],
    missing: [],
    stated: [],
    objects: [],
    cuts: [],
    blockedReads: [],
  };
}

export function newTask(tid: number, comm: string): Task {
  return { tid, comm, missing: [], lines: [] };
}

/** The process id of a task: tgid when known, else its tid. */
export const pidOf = (t: Task): number => t.pid ?? t.tid;
