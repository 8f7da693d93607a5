import type { ProcStat } from './parse-stat';
import type { ProcStatus } from './parse-status';
import type { CgroupLine } from '../cgroups/parse-pod-cgroup';
import type { CgroupMap } from './cgroup-pass';

/** What the scan read for one process: process-wide files once, then each thread. */
export interface RawProcess {
  tgid: number;
  status: ProcStatus;
  cgroups: CgroupLine[];
  pidNsInode: number;
  threads: RawThread[];
}

export interface RawThread {
  tid: number;
  stat: ProcStat;
  /** FULL detail: the thread's own status (for non-leaders) and wchan were read. */
  full: boolean;
  /** The thread's own status when it differs from the process's (non-leader, FULL). */
  status?: ProcStatus;
  wchan: string;
}

/** A file the scan could not read (vanished tasks are not problems). */
export interface RawProblem {
  path: string;
  code: string;
  pid: number;
  tid: number;
}

export interface ScanRequest {
  procRoot: string;
  /** Only these tgids/tids (with all their threads); empty = every task. */
  pids: number[];
  /** Only tasks of this pod (matched on cgroup paths, plus tasks that left their cgroups). */
  podUid: string;
  /** States that get FULL detail (own status and wchan). */
  fullStates: string;
  allThreadDetails: boolean;
  /** Read each process's leader only (its threads are not listed). */
  leadersOnly?: boolean;
  /**
   * Set when several threads share the scan: each walks the process list from
   * its own end and takes a process by setting its bit in `claims` first.
   */
  share?: {
    claims: SharedArrayBuffer;
    backwards: boolean;
    /** The main thread: never reads a cgroup file (it skips processes the map lacks). */
    noCgroupReads?: boolean;
    /** Stop taking processes after this long (ms): the main thread's event loop waits while it walks. */
    budgetMs?: number;
  };
  /**
   * Cgroup membership read beforehand (cgroup-pass.ts): processes found in it
   * are not read again. null: membership unknown (the pass timed out) — no
   * cgroup file is read and no task is attributed. Absent: read in the walk.
   */
  cgroups?: CgroupMap | null;
  /**
   * Int32 [0] set to 1 when no one wants the scan any more (every caller
   * cancelled: task-scanner.ts): the walk stops before its next process.
   */
  abort?: SharedArrayBuffer;
}

/** A pod (and container) as the scan found it in a cgroup path. */
export interface PodEntry {
  uid: string;
  containerId: string;
  runtime: string;
  qos: string;
}

/**
 * Tasks as the scan worker sends them: each already encoded as a Task
 * message, plus the few columns the snapshot still decides on (which tasks to
 * keep, whose stack and cmdline to read, pod attribution, freezer state).
 * Typed arrays travel by transfer, not by copy; no task object is ever cloned
 * across threads.
 */
/** The per-task columns a snapshot decides on, index i = task i. */
export interface TaskColumns {
  tid: Int32Array;
  tgid: Int32Array;
  ppid: Int32Array;
  pidNs: Float64Array;
  /** The state letter's char code. */
  state: Uint8Array;
  /** TASK_LEADER | TASK_KTHREAD | TASK_NS_INIT | TASK_SHIM_COMM */
  bits: Uint8Array;
  /** Index into the scan's pod table; -1: no pod cgroup. */
  pod: Int32Array;
  /** Index into the scan's path table of the task's freezer cgroup; -1: none. */
  freezer: Int32Array;
}

export interface TaskBatch extends TaskColumns {
  type: 'tasks';
  /** Encoded Task messages back to back (fields only: no tag, no length). */
  bytes: Uint8Array;
  /** End offset of each task in `bytes`. */
  ends: Uint32Array;
  /** Pod and path table entries first seen in this batch, in index order. */
  newPods: PodEntry[];
  newPaths: string[];
  problems: RawProblem[];
}

export const TASK_LEADER = 1;
export const TASK_KTHREAD = 2;
export const TASK_NS_INIT = 4;
/** A thread-group leader whose comm is a runtime shim's (isShimComm): set by the scan, where the comm is at hand. */
export const TASK_SHIM_COMM = 8;

/** containerd-shim-runc-v2 (comm cut to 15 characters: "containerd-shim"), docker's containerd-shim, CRI-O's conmon. */
export function isShimComm(comm: string): boolean {
  return comm.startsWith('containerd-shim') || comm === 'conmon';
}

export type ScanMessage = TaskBatch | { type: 'done'; visitedProcesses: number };
