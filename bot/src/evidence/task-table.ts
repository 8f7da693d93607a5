import { newTask, type Task, type TaskFact } from './evidence';

const MAX_LINES_PER_TASK = 4;
const MAX_TASKS = 50_000;

/**
 * Tasks keyed by thread id. One task is often seen several times in a paste
 * (a ps line, then its stat, then its stack): each sighting adds facts.
 */
export interface TaskTable {
  upsert(tid: number, facts: Partial<Task>, line?: string): Task;
  get(tid: number): Task | undefined;
  all(): Task[];
  /** Tasks dropped because the table was full. */
  readonly dropped: number;
}

export function createTaskTable(): TaskTable {
  const byTid = new Map<number, Task>();
  const anonymous: Task[] = [];
  let dropped = 0;

  function merge(task: Task, facts: Partial<Task>, line?: string): Task {
    // for-in over a plain object of facts: its own keys in Object.entries' order, without an array per key.
    for (const k in facts) {
      const key = k as keyof Task;
      const value: unknown = facts[key];
      if (value === undefined || key === 'missing' || key === 'lines' || key === 'provenance') continue;
      // An observed value replaces a derived or stated one; a derived or stated value never replaces an observed one.
      const how = facts.provenance?.[key as TaskFact];
      const had = task.provenance?.[key as TaskFact];
      if (how && task[key] !== undefined && !had) continue;
      if (how) (task.provenance ??= {})[key as TaskFact] = how;
      else if (had && task.provenance) delete task.provenance[key as TaskFact];
      if (key === 'comm' && (value === '' || (task.comm && value === '?'))) continue;
      if (key === 'stack' && task.stack && (value as unknown[]).length < task.stack.length) continue;
      (task as unknown as Record<string, unknown>)[key] = value;
    }
    // Seen in its own right (a ps row, a stack, a dump): no longer only a reference.
    if (facts.placeholder === undefined && task.placeholder !== undefined && line !== undefined) delete task.placeholder;
    for (const m of facts.missing ?? []) if (!task.missing.includes(m)) task.missing.push(m);
    if (line && task.lines.length < MAX_LINES_PER_TASK && !task.lines.includes(line)) task.lines.push(line);
    return task;
  }

  return {
    upsert(tid, facts, line) {
      if (!tid) {
        const t = merge(newTask(0, facts.comm ?? '?'), facts, line);
        anonymous.push(t);
        return t;
      }
      let task = byTid.get(tid);
      if (!task) {
        task = newTask(tid, facts.comm ?? '?');
        if (byTid.size < MAX_TASKS) byTid.set(tid, task);
        else dropped++;
      }
      return merge(task, facts, line);
    },
    get: (tid) => byTid.get(tid),
    all: () => [...byTid.values(), ...anonymous],
    get dropped() {
      return dropped;
    },
  };
}
