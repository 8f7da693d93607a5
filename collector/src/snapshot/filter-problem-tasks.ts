import type { Task } from '../../../proto/generated/whystuck/v1/Task';

const PROBLEM_STATES = new Set(['D', 'Z', 'T', 't', 'X', 'x', 'P']);

/**
 * The tasks a problems-only snapshot keeps: every task not running or
 * sleeping, plus the leader of its thread group and its parent process, so
 * zombies keep their parent and stuck threads their process.
 */
export function problemTasks(tasks: Task[]): Task[] {
  const byTid = new Map<number, Task>();
  for (const t of tasks) byTid.set(Number(t.tid), t);
  const keep = new Set<Task>();
  for (const t of tasks) {
    if (!PROBLEM_STATES.has(t.state ?? '')) continue;
    keep.add(t);
    const leader = byTid.get(Number(t.tgid));
    if (leader) keep.add(leader);
    const parent = byTid.get(Number(leader?.ppid ?? t.ppid));
    if (parent) keep.add(parent);
  }
  return tasks.filter((t) => keep.has(t));
}
