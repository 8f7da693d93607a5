import type { Task } from '../../evidence/evidence';
import { name, taskEvidence, taskRef } from '../context';
import { finding, plural, type Rule } from '../rule';
import { describeChain } from '../wait-signature';
import { blockedTasks } from './d-state-tasks';

const MIN_CONVOY = 3;
const MMAP = 'mmap_lock';
const MM_PATH = /^(?:_*do_page_fault|do_user_addr_fault|exc_page_fault|page_fault|lock_mm_and_find_vma|vm_munmap|__vm_munmap|vm_mmap\w*|do_mmap|mprotect_fixup|do_mprotect_pkey|__access_remote_vm|access_remote_vm|access_process_vm|get_cmdline|get_mm_cmdline|proc_pid_cmdline_read|environ_read|mmap_read_lock\w*|mmap_write_lock\w*|__x64_sys_munmap|sys_munmap|SyS_munmap|__do_sys_brk|sys_brk|SyS_brk|madvise\w*|do_madvise)$/;
const WRAPPER = /^(?:call_rwsem_\w+|down_read\w*|down_write\w*|__down\w*|down|mutex_lock\w*|__mutex_lock\w*|rwsem_\w+|percpu_\w+)$/;

/** Which lock a waiter queues on, as far as its stack tells: the mmap lock, or the first caller past the lock primitives. */
function lockTarget(fns: string[]): string {
  if (fns.some((f) => MM_PATH.test(f))) return MMAP;
  return fns.find((f) => !WRAPPER.test(f)) ?? fns[0] ?? '?';
}

/** Many tasks blocked on the same lock: a convoy, with the likely holder named. */
export const lockContention: Rule = {
  id: 'lock-contention',
  run(ctx) {
    const blocked = blockedTasks(ctx);
    const lockWaiters = blocked.filter((t) => ctx.signature(t).category === 'lock');
    const groups = new Map<string, Task[]>();
    for (const t of lockWaiters) {
      const key = lockTarget(ctx.signature(t).frames.map((f) => f.fn));
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(t);
    }
    const out = [];
    for (const g of groups.values()) {
      if (g.length < MIN_CONVOY) continue;
      const sub = ctx.signature(g[0]).subsystem;
      const mmap = lockTarget(ctx.signature(g[0]).frames.map((f) => f.fn)) === MMAP;
      const waiterPids = new Set(g.map((t) => t.pid ?? t.tid));
      // A holder took the lock and now waits on something else (I/O): it has a stack or wait channel saying so.
      const holders = blocked.filter((t) => {
        const s = ctx.signature(t);
        if (s.category === 'lock' || (!s.frames.length && !t.wchan) || s.category === 'other') return false;
        if (mmap) return s.frames.some((f) => MM_PATH.test(f.fn));
        return !sub || s.subsystem === sub;
      }).sort((a, b) => Number(waiterPids.has(b.pid ?? b.tid)) - Number(waiterPids.has(a.pid ?? a.tid)));
      out.push(finding({
        id: 'lock-contention',
        severity: 'warning',
        confidence: holders.length ? 0.75 : 0.6,
        title: `Lock convoy: ${plural(g.length, 'task')} blocked on ${lockTarget(ctx.signature(g[0]).frames.map((f) => f.fn)) === MMAP ? 'a memory-map lock (mmap_lock / mmap_sem)' : `the lock taken in ${lockTarget(ctx.signature(g[0]).frames.map((f) => f.fn))}`}`,
        explanation: `${g.slice(0, 5).map(name).join(', ')}${g.length > 5 ? ` and ${g.length - 5} more` : ''} wait for the same lock (${describeChain(ctx.signature(g[0]), 4)}). ${holders.length ? `The holder is most likely a task that took it and now waits on I/O itself: ${holders.slice(0, 3).map((t) => `${name(t)} in ${ctx.signature(t).site}`).join(', ')}.` : 'The holder was not in the input: look for a task of the same subsystem that waits on I/O or runs.'} The convoy clears when the holder's wait ends.`,
        evidence: [...g.slice(0, 4).flatMap((t) => taskEvidence(t, 5)), ...holders.slice(0, 2).flatMap((t) => taskEvidence(t, 5))],
        tasks: [...g.slice(0, 10).map((t) => taskRef(t, 'waiter')), ...holders.slice(0, 3).map((t) => taskRef(t, 'blocker'))],
        remediations: [{ action: 'manual', effective: 'unknown', risk: 'low', why: 'Unblock the holder (its I/O); killing waiters does not release a lock they do not hold.' }],
      }));
    }
    return out;
  },
};
