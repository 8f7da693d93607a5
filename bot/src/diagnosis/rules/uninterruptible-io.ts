import type { Task } from '../../evidence/evidence';
import { name, taskEvidence, taskRef, type DiagnosisContext } from '../context';
import type { Remediation } from '../finding';
import { signalRemediation } from '../kill-verdict';
import { finding, plural, uniqueBy, type Rule } from '../rule';
import { storageFix } from '../storage-fixes';
import { describeChain } from '../wait-signature';
import { blockedTasks, devicesOf } from './d-state-tasks';

const WHAT: Record<string, string> = {
  lock: 'a lock (rwsem/mutex/semaphore)',
  fuse: 'a FUSE daemon',
  nfs: 'an NFS server',
  io: 'I/O',
  module: 'code in a kernel module',
  other: 'an uninterruptible wait',
};

/** Tasks in D, grouped by what they wait on, with the blocker named. */
export const uninterruptibleIo: Rule = {
  id: 'uninterruptible-io',
  run(ctx) {
    const tasks = blockedTasks(ctx);
    // Tasks in D on a sleeping lock (rtnl_mutex, mmap_lock, an inode lock) are lock contention, not I/O: the lock rule
    // explains them. They count here only beside tasks that do wait on I/O (the likely holders).
    if (!tasks.some((t) => ctx.signature(t).category !== 'lock')) return [];
    const groups = new Map<string, Task[]>();
    for (const t of tasks) {
      const s = ctx.signature(t);
      const key = `${s.category}|${s.subsystem ?? ''}|${s.site}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(t);
    }
    const ordered = [...groups.values()].sort((a, b) => rank(ctx, a[0]) - rank(ctx, b[0]) || b.length - a.length);
    const sentences: string[] = [];
    for (const g of ordered.slice(0, 6)) {
      const s = ctx.signature(g[0]);
      const who = g.slice(0, 4).map(name).join(', ') + (g.length > 4 ? ` and ${g.length - 4} more` : '');
      const sub = s.subsystem ? ` (${s.subsystem})` : '';
      const chain = s.frames.length ? `in ${describeChain(s, 4)}` : s.site ? `at ${s.site}` : 'with no stack shown';
      sentences.push(`${who} ${g.length === 1 ? 'waits' : 'wait'} on ${WHAT[s.category] ?? 'I/O'}${sub} ${chain}.`);
    }
    const killed = tasks.filter((t) => ctx.killPending(t));
    if (killed.length)
      sentences.push(
        `${killed.map(name).join(', ')} already ${killed.length === 1 ? 'has' : 'have'} SIGKILL pending: ${killed.length === 1 ? 'it was' : 'they were'} killed and still wait, so another kill changes nothing.`,
      );
    const devices = uniqueBy(tasks.flatMap(devicesOf), (d) => d);
    if (devices.length) sentences.push(`Devices involved: ${devices.join(', ')}.`);
    const subsystems = new Set(tasks.map((t) => ctx.signature(t).subsystem).filter(Boolean));
    const backend = ctx.ev.backend.filter((e) => e.kind !== 'nfs-ok');
    if (backend.length) sentences.push(`The kernel log names the backend: ${backend.map((e) => `"${e.last.text}"${e.count > 1 ? ` (×${e.count})` : ''}`).join('; ')}.`);
    sentences.push('Tasks in D do not act on signals until the wait ends; they count in the load average.');

    const io = (t: Task): boolean => ctx.signature(t).category !== 'lock';
    const key = uniqueBy(
      [...tasks].sort((a, b) => rank(ctx, a) - rank(ctx, b)),
      (t) => t.tid || t.comm,
    ).slice(0, 12);
    const remediations: Remediation[] = [];
    for (const t of key.filter((t) => t.tid && !t.isKernelThread && t.ppid !== 2).slice(0, 4)) remediations.push(signalRemediation(t, ctx));
    remediations.push(storageFix([...subsystems][0], backend));
    if (ctx.signature(key[0]).category === 'module') {
      remediations.push({
        action: 'manual',
        effective: 'unknown',
        risk: 'high',
        why: `The wait is inside module [${ctx.signature(key[0]).frames[0]?.module}] code; only that code can wake it. Fix or unload the module's user; otherwise drain and reboot the node.`,
      });
    }
    const hung = ctx.ev.reports.some((r) => r.kind === 'hung-task');
    return [
      finding({
        id: 'uninterruptible-io',
        severity: tasks.length >= 5 || hung || backend.length ? 'critical' : 'warning',
        confidence: tasks.some((t) => t.stack?.length || t.wchan) ? 0.9 : 0.7,
        title: `${plural(tasks.length, 'task')} in uninterruptible sleep (D)${subsystems.size ? ` on ${[...subsystems].join('/')}` : ''}`,
        explanation: sentences.join(' '),
        evidence: key.flatMap((t) => taskEvidence(t, 5)).concat(backend.map((e) => e.last.text)),
        tasks: [...key, ...tasks.filter((t) => !key.includes(t))].slice(0, 100).map((t) => taskRef(t, io(t) ? 'blocker' : 'waiter')),
        remediations,
      }),
    ];
  },
};

/** Tasks with stacks first; I/O waiters (the likely blockers) before lock waiters. */
function rank(ctx: DiagnosisContext, t: Task): number {
  const c = ctx.signature(t).category;
  const io = c !== 'lock' && c !== 'other' ? 0 : 2;
  return (t.stack?.length ? 0 : 10) + io + (t.isKernelThread || t.ppid === 2 ? 1 : 0);
}
