import type { Task } from '../../evidence/evidence';
import { name, taskEvidence, taskRef } from '../context';
import { finding, plural, type Rule } from '../rule';
import { describeChain, MM_PATH } from '../wait-signature';
import { blockedTasks } from './d-state-tasks';

const MIN_CONVOY = 3;
const MMAP = 'mmap_lock';

/** Tasks blocked on the same lock: a convoy when there are several, with the likely holder named. */
export const lockContention: Rule = {
  id: 'lock-contention',
  run(ctx) {
    const blocked = blockedTasks(ctx);
    const lockWaiters = blocked.filter((t) => ctx.signature(t).category === 'lock');
    const groups = new Map<string, Task[]>();
    for (const t of lockWaiters) {
      const key = ctx.signature(t).lock ?? ctx.signature(t).site;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(t);
    }
    const out = [];
    for (const g of groups.values()) {
      const convoy = g.length >= MIN_CONVOY;
      const lock = ctx.signature(g[0]).lock ?? ctx.signature(g[0]).site;
      const sub = ctx.signature(g[0]).subsystem;
      const mmap = lock === MMAP;
      const waiterPids = new Set(g.map((t) => t.pid ?? t.tid));
      // A holder took the lock and now waits on something else (I/O): it has a stack or wait channel saying so.
      const holders = blocked
        .filter((t) => {
          const s = ctx.signature(t);
          if (s.category === 'lock' || (!s.frames.length && !t.wchan) || s.category === 'other') return false;
          if (mmap) return s.frames.some((f) => MM_PATH.test(f.fn));
          return !sub || s.subsystem === sub;
        })
        .sort((a, b) => Number(waiterPids.has(b.pid ?? b.tid)) - Number(waiterPids.has(a.pid ?? a.tid)));
      out.push(
        finding({
          id: 'lock-contention',
          severity: convoy ? 'warning' : 'info',
          confidence: (holders.length ? 0.75 : 0.6) - (convoy ? 0 : 0.15),
          title: `${convoy ? 'Lock convoy: ' : ''}${plural(g.length, 'task')} blocked on ${mmap ? 'a memory-map lock (mmap_lock / mmap_sem)' : lock}`,
          explanation: `${g.slice(0, 5).map(name).join(', ')}${g.length > 5 ? ` and ${g.length - 5} more` : ''} ${g.length === 1 ? 'waits for a lock' : 'wait for the same lock'} (${describeChain(ctx.signature(g[0]), 4)}): a sleeping lock, not I/O; ${g.length === 1 ? 'it waits' : 'they wait'} until the holder releases it. ${
            holders.length
              ? `The holder is most likely a task that took it and now waits on I/O itself: ${holders
                  .slice(0, 3)
                  .map((t) => `${name(t)} in ${ctx.signature(t).site}`)
                  .join(', ')}.`
              : 'The holder was not in the input: look for a task of the same subsystem that waits on I/O or runs.'
          } The convoy clears when the holder's wait ends.`,
          evidence: [...g.slice(0, 4).flatMap((t) => taskEvidence(t, 5)), ...holders.slice(0, 2).flatMap((t) => taskEvidence(t, 5))],
          tasks: [...g.slice(0, 10).map((t) => taskRef(t, 'waiter')), ...holders.slice(0, 3).map((t) => taskRef(t, 'blocker'))],
          remediations: [{ action: 'manual', effective: 'unknown', risk: 'low', why: 'Unblock the holder (its I/O); killing waiters does not release a lock they do not hold.' }],
        }),
      );
    }
    return out;
  },
};
