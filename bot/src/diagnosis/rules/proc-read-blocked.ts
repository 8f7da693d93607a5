import type { Task } from '../../evidence/evidence';
import { name, taskEvidence, taskRef } from '../context';
import { finding, type Rule } from '../rule';

const PROC_READ = /^(?:proc_pid_cmdline_read|get_mm_cmdline|environ_read|proc_pid_get_link|__access_remote_vm|access_remote_vm|mm_access|proc_maps_open|m_start|show_map\w*|proc_pid_stack|proc_pid_wchan|get_task_mm|mmap_read_lock\w*)$/;
const FAULT = /^(?:_*do_page_fault|do_user_addr_fault|exc_page_fault|page_fault|handle_mm_fault|__handle_mm_fault|do_shared_fault\S*|do_wp_page|do_page_mkwrite)$/;
const READERS = /^(?:ps|top|htop|pgrep|pkill|pidof|atop|node_exporter|process-exporter|pidstat|w|sysdig|lsof|systemd-cgls|cadvisor|kubelet)$/;

/** Reads of /proc/PID/{cmdline,environ,maps} that block on the target's mmap lock: why ps hangs. */
export const procReadBlocked: Rule = {
  id: 'proc-read-blocked',
  run(ctx) {
    const readers = ctx.tasks.filter((t) => (t.state === 'D' || t.state === 'S') && ctx.signature(t).frames.some((f) => PROC_READ.test(f.fn)) && ctx.signature(t).frames.some((f) => /rwsem|mmap_read_lock|down_read/.test(f.fn)));
    const suspectReaders = ctx.tasks.filter((t) => t.state === 'D' && READERS.test(t.comm) && /rwsem|down_read|mmap/.test(ctx.signature(t).site) && !readers.includes(t));
    const problems = ctx.ev.procReadProblems;
    const all = [...readers, ...suspectReaders];
    if (!all.length && !problems.length) return [];
    const targets = [...new Set(problems.map((p) => p.pid).filter(Boolean))];
    // The mmap lock is held across a page fault: a thread faulting and waiting on I/O or reclaim holds it.
    const faulting = (t: Task): boolean => ctx.signature(t).frames.some((f) => FAULT.test(f.fn)) && ['io', 'reclaim', 'fuse', 'nfs'].includes(ctx.signature(t).category);
    const holders = [
      ...targets.flatMap((pid) => ctx.threadsOf(pid)).filter((t) => t.state === 'D' || ctx.signature(t).category === 'reclaim'),
      ...ctx.tasks.filter((t) => (t.state === 'D' || ctx.signature(t).category === 'reclaim') && faulting(t)),
    ].filter((t, i, a) => a.indexOf(t) === i);
    return [finding({
      id: 'proc-read-blocked',
      severity: 'warning',
      confidence: problems.length || readers.length ? 0.85 : 0.6,
      title: `Reading /proc blocks${targets.length ? ` on pid ${targets.slice(0, 5).join(', ')}` : ''}: ps/top would hang`,
      explanation: `${all.length ? `${all.slice(0, 4).map(name).join(', ')} ${all.length === 1 ? 'is' : 'are'} stuck reading another process's /proc files (cmdline/environ/maps), which take that process's mmap lock. ` : ''}${problems.length ? `The collector's own reads timed out: ${problems.slice(0, 5).map((p) => `${p.path} (${p.reason}, ${p.triedMs} ms)`).join('; ')}. ` : ''}While a task holds its mmap lock for a long time (a page fault stuck in I/O or reclaim, or a writer queued behind one), every reader of its cmdline blocks too: ps, top, pgrep and monitoring agents hang. ${holders.length ? `Threads of the target that hold or wait for the lock: ${holders.slice(0, 4).map(name).join(', ')}.` : 'Look for threads of the target in D or in reclaim: one of them holds the lock.'}`,
      evidence: [...problems.slice(0, 6).map((p) => `${p.path}: ${p.reason} after ${p.triedMs} ms`), ...all.slice(0, 4).flatMap((t) => taskEvidence(t, 6))],
      tasks: [...all.slice(0, 6).map((t) => taskRef(t, 'waiter')), ...holders.filter((h) => !all.includes(h)).slice(0, 4).map((t) => taskRef(t, 'blocker'))],
      remediations: [{ action: 'manual', effective: 'yes', risk: 'low', why: 'Use tools that do not read cmdline (`ps -eo pid,stat,wchan,comm`, /proc/PID/stat and status never take the mmap lock) and resolve the holder\'s wait (its I/O or its memory limit).', command: 'ps -eo pid,tid,stat,wchan:32,comm' }],
    })];
  },
};
