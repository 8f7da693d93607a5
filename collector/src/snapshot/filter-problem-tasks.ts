import type { Task } from '../../../proto/generated/whystuck/v1/Task';

const PROBLEM_STATES = new Set(['D', 'Z', 'T', 't', 'X', 'x', 'P']);

/** What task selection needs to know of task i: Task objects or the scanner's columns. */
export interface TaskKeys {
  count: number;
  state(i: number): string;
  tid(i: number): number;
  tgid(i: number): number;
  ppid(i: number): number;
  isPidNsInit(i: number): boolean;
}

/**
 * The tasks a problems-only snapshot keeps: every task not running or
 * sleeping, plus the leader of its thread group and its parent process, so
 * zombies keep their parent and stuck threads their process.
 */
export function problemTaskMask(t: TaskKeys): boolean[] {
  const byTid = new Map<number, number>();
  for (let i = 0; i < t.count; i++) byTid.set(t.tid(i), i);
  const keep: boolean[] = new Array<boolean>(t.count).fill(false);
  for (let i = 0; i < t.count; i++) {
    if (!PROBLEM_STATES.has(t.state(i))) continue;
    keep[i] = true;
    const leader = byTid.get(t.tgid(i));
    if (leader !== undefined) keep[leader] = true;
    const parent = byTid.get(leader !== undefined ? t.ppid(leader) : t.ppid(i));
    if (parent !== undefined) keep[parent] = true;
  }
  return keep;
}

/** Tasks whose kernel stack is read: asked-for states (default D Z T t), namespace inits, parents of zombies. */
export function stackTaskMask(t: TaskKeys, states: string[]): boolean[] {
  const wanted = new Set(states.length > 0 ? states : ['D', 'Z', 'T', 't']);
  const zombieParents = new Set<number>();
  for (let i = 0; i < t.count; i++) if (t.state(i) === 'Z') zombieParents.add(t.ppid(i));
  const mask: boolean[] = new Array<boolean>(t.count);
  for (let i = 0; i < t.count; i++) mask[i] = wanted.has(t.state(i)) || t.isPidNsInit(i) || zombieParents.has(t.tgid(i));
  return mask;
}

export function taskKeys(tasks: Task[]): TaskKeys {
  return {
    count: tasks.length,
    state: (i) => tasks[i].state ?? '',
    tid: (i) => Number(tasks[i].tid),
    tgid: (i) => Number(tasks[i].tgid),
    ppid: (i) => Number(tasks[i].ppid),
    isPidNsInit: (i) => Boolean(tasks[i].is_pid_ns_init),
  };
}

export function problemTasks(tasks: Task[]): Task[] {
  const keep = problemTaskMask(taskKeys(tasks));
  return tasks.filter((_, i) => keep[i]);
}
