import type { Task } from '../../evidence/evidence';
import type { DiagnosisContext } from '../context';

/**
 * Tasks in uninterruptible sleep that the I/O rules should explain: not
 * frozen (the freezer rule owns those), not looping in reclaim, not a
 * PID-namespace init waiting for its children.
 */
export function blockedTasks(ctx: DiagnosisContext): Task[] {
  return ctx.tasks.filter((t) => {
    if (t.state !== 'D') return false;
    if (ctx.isFrozen(t)) return false;
    const c = ctx.signature(t).category;
    return c !== 'reclaim' && c !== 'pidns';
  });
}

/** Devices a blocked task names: xfsaild/rbd3, flush-254:16 workqueues, /dev/rbd3 in argv. */
export function devicesOf(t: Task): string[] {
  const out: string[] = [];
  const m = /^(?:xfsaild|jbd2)\/([\w-]+)/.exec(t.comm);
  if (m) out.push(m[1]);
  const wq = /flush-(\d+:\d+)/.exec(t.workqueue ?? '');
  if (wq) out.push(`bdi ${wq[1]}`);
  for (const d of (t.cmdline ?? '').matchAll(/\/dev\/([\w-]+)/g)) out.push(d[1]);
  return out;
}
