import type { Task } from '../../evidence/evidence';
import { name, taskEvidence, taskRef } from '../context';
import { finding, uniqueBy, type Rule } from '../rule';
import { baseName } from '../wait-sites';

const PROC_READ =
  /^(?:proc_pid_cmdline_read|get_mm_cmdline|environ_read|proc_pid_get_link|__access_remote_vm|access_remote_vm|mm_access|proc_maps_open|m_start|show_map\w*|proc_pid_stack|proc_pid_wchan|get_task_mm|mmap_read_lock\w*)$/;
const FAULT = /^(?:_*do_page_fault|do_user_addr_fault|exc_page_fault|page_fault|handle_mm_fault|__handle_mm_fault|do_shared_fault\S*|do_wp_page|do_page_mkwrite)$/;
/** Sleeps of a process that waits on another one: its pipe, its exit. */
const CONSUMER_WAIT = /^(?:do_poll|do_sys_poll|do_select|core_sys_select|ep_poll|do_epoll_wait|pipe_read|pipe_wait\w*|do_wait|kernel_wait4)$/;
const READERS = /^(?:ps|top|htop|pgrep|pkill|pidof|atop|node_exporter|process-exporter|pidstat|w|sysdig|lsof|systemd-cgls|cadvisor|kubelet)$/;

/** Reads of /proc/PID/{cmdline,environ,maps} that block on the target's mmap lock: why ps hangs. */
export const procReadBlocked: Rule = {
  id: 'proc-read-blocked',
  run(ctx) {
    const readers = ctx.tasks.filter(
      (t) => (t.state === 'D' || t.state === 'S') && ctx.signature(t).frames.some((f) => PROC_READ.test(f.fn)) && ctx.signature(t).frames.some((f) => /rwsem|mmap_read_lock|down_read/.test(f.fn)),
    );
    // No stack, but the wait channel is a /proc read itself (`ps -o wchan` shows __access_remote_vm).
    const wchanReaders = ctx.tasks.filter((t) => t.state === 'D' && !t.stack?.length && !readers.includes(t) && PROC_READ.test(baseName(ctx.signature(t).site)));
    const suspectReaders = ctx.tasks.filter((t) => t.state === 'D' && READERS.test(t.comm) && /rwsem|down_read|mmap/.test(ctx.signature(t).site) && !readers.includes(t) && !wchanReaders.includes(t));
    const problems = ctx.ev.procReadProblems;
    // strace of a reader that stops in open/read of /proc/TARGET/… and never returns.
    const blocked = ctx.ev.blockedReads ?? [];
    const straced = blocked
      .map((r) => (r.readerPid ? (ctx.byTid.get(r.readerPid) ?? ctx.processes.get(r.readerPid)) : ctx.tasks.find((t) => !t.tid && t.comm === r.readerComm)))
      .filter((t): t is Task => t !== undefined);
    const all = uniqueBy([...readers, ...wchanReaders, ...suspectReaders, ...straced], (t) => ctx.tasks.indexOf(t));
    if (!all.length && !problems.length && !blocked.length) return [];
    const targets = [...new Set([...problems.map((p) => p.pid), ...blocked.map((r) => r.targetPid)].filter(Boolean))];
    const targetTasks = targets.map((pid) => ctx.processes.get(pid) ?? ctx.byTid.get(pid)).filter((t): t is Task => t !== undefined && !all.includes(t));
    const who = (r: (typeof blocked)[number]): string => (r.readerComm ? `${r.readerComm}${r.readerPid ? ` (pid ${r.readerPid})` : ''}` : r.readerPid ? `pid ${r.readerPid}` : 'the traced process');
    // The mmap lock is held across a page fault: a thread faulting and waiting on I/O or reclaim holds it.
    const faulting = (t: Task): boolean => ctx.signature(t).frames.some((f) => FAULT.test(f.fn)) && ['io', 'reclaim', 'fuse', 'nfs'].includes(ctx.signature(t).category);
    const holders = [
      ...targets.flatMap((pid) => ctx.threadsOf(pid)).filter((t) => t.state === 'D' || ctx.signature(t).category === 'reclaim'),
      ...ctx.tasks.filter((t) => (t.state === 'D' || ctx.signature(t).category === 'reclaim') && faulting(t)),
    ].filter((t, i, a) => a.indexOf(t) === i);
    // Whoever ran the reader waits for it in turn: a task whose stack the paste shows asleep in poll/select/wait
    // (a watchdog, a parent reading its pipe) and that is neither reader nor holder.
    // Singled out by the paste (a stack or a wait channel of its own), not one of many rows of a listing.
    const idle = ctx.tasks.filter(
      (t) =>
        (t.stack?.length || t.wchan) &&
        (!t.placeholder || t.placeholder === 'stated') &&
        !all.includes(t) &&
        !holders.includes(t) &&
        !targetTasks.includes(t) &&
        ctx.signature(t).category === 'idle' &&
        CONSUMER_WAIT.test(baseName(ctx.signature(t).site)),
    );
    const consumers = idle.length <= 3 ? idle : idle.filter((t) => t.stack?.length).slice(0, 3);
    return [
      finding({
        id: 'proc-read-blocked',
        severity: 'warning',
        confidence: problems.length || readers.length ? 0.85 : blocked.length || wchanReaders.length ? 0.8 : 0.6,
        title: `Reading /proc blocks${targets.length ? ` on pid ${targets.slice(0, 5).join(', ')}` : ''}: ps/top would hang`,
        explanation: `${all.length ? `${all.slice(0, 4).map(name).join(', ')} ${all.length === 1 ? 'is' : 'are'} stuck reading another process's /proc files (cmdline/environ/maps), which take that process's mmap lock. ` : ''}${
          blocked.length
            ? `strace shows ${blocked
                .slice(0, 3)
                .map((r) => `${who(r)} in ${r.syscall}() of ${r.path}, which never returned`)
                .join('; ')}: the reader waits behind pid ${[...new Set(blocked.map((r) => r.targetPid))].slice(0, 5).join(', ')}. `
            : ''
        }${
          problems.length
            ? `The collector's own reads timed out: ${problems
                .slice(0, 5)
                .map((p) => `${p.path} (${p.reason}, ${p.triedMs} ms)`)
                .join('; ')}. `
            : ''
        }While a task holds its mmap lock for a long time (a page fault stuck in I/O or reclaim, or a writer queued behind one), every reader of its cmdline blocks too: ps, top, pgrep and monitoring agents hang. ${holders.length ? `Threads of the target that hold or wait for the lock: ${holders.slice(0, 4).map(name).join(', ')}.` : 'Look for threads of the target in D or in reclaim: one of them holds the lock.'}${consumers.length ? ` ${consumers.map((t) => `${name(t)} sleeps in ${ctx.signature(t).site}`).join('; ')}: most likely waiting for the blocked reader's output or exit (a watchdog or parent that ran it), so it hangs with it.` : ''}`,
        evidence: [
          ...problems.slice(0, 6).map((p) => `${p.path}: ${p.reason} after ${p.triedMs} ms`),
          ...blocked.slice(0, 6).map((r) => `line ${r.line}: ${r.text} — ${r.syscall}(${r.path}) did not return`),
          ...all.slice(0, 4).flatMap((t) => taskEvidence(t, 6)),
        ],
        tasks: [
          ...all.slice(0, 6).map((t) => taskRef(t, 'waiter')),
          ...uniqueBy([...targetTasks, ...holders.filter((h) => !all.includes(h))], (t) => ctx.tasks.indexOf(t))
            .slice(0, 6)
            .map((t) => taskRef(t, 'blocker')),
          ...consumers.map((t) => taskRef(t, 'waiter')),
        ],
        remediations: [
          {
            action: 'manual',
            effective: 'yes',
            risk: 'low',
            why: "Use tools that do not read cmdline (`ps -eo pid,stat,wchan,comm`, /proc/PID/stat and status never take the mmap lock) and resolve the holder's wait (its I/O or its memory limit).",
            command: 'ps -eo pid,tid,stat,wchan:32,comm',
          },
        ],
      }),
    ];
  },
};
