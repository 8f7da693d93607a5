import type { ProcStat } from './parse-stat';
import type { ProcStatus } from './parse-status';
import type { CgroupLine } from '../cgroups/parse-pod-cgroup';

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
}

export type ScanMessage =
  | { type: 'processes'; processes: RawProcess[]; problems: RawProblem[] }
  | { type: 'done'; visitedProcesses: number };
