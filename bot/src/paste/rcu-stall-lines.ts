/**
 * The lines of an RCU CPU stall report after its headline:
 *   rcu:     3-...!: (1 GPs behind) idle=a3c/0/0x1 softirq=5/5 fqs=0        per stalled CPU (4.x: "3-...:", 3.x: "3: (")
 *   rcu:     Tasks blocked on level-0 rcu_node (CPUs 0-7): P1234/1:b..l P77   preempted readers
 *   INFO: rcu_sched detected stalls on CPUs/tasks: { 3 5} (detected by 1, ...)     3.x, CPUs inline
 *   rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 31-... P1234 } 60342 jiffies
 *   rcu: rcu_sched kthread starved for 60004 jiffies! g1234 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402 ->cpu=3
 *   rcu: RCU grace-period kthread stack dump:          (the kthread's task dump follows)
 *   NMI backtrace for cpu 3 / Task dump for CPU 3:     (that CPU's task follows)
 */
const CPU_ENTRY = /^(?:rcu:\s+)?(\d{1,5})(?:-[^\s:]{1,8})?: \(\d+ (?:GPs? behind|ticks this GP)\)/;
const BRACES = /\{([\w\s.!/-]{0,400})\}/;
const CPU_DUMP = /^(?:NMI backtrace for cpu|Task dump for CPU) (\d+):?$/;
/** Lines of a stall report that carry no task. */
const STALL_NOTE =
  /^(?:rcu: |\(detected by|\(t=\d+ jiffies|Sending NMI|Unless rcu_|RCU grace-period kthread|Stack dump where RCU|blocking rcu_node|All QSes seen|Tasks blocked on|NMI backtrace for cpu \d+ skipped|rcu_\w+ kthread|\s*\d+-\.)/;

export interface StallEntries {
  cpus: number[];
  pids: number[];
}

/** CPUs and preempted tasks a stall line lists. */
export function stallEntries(t: string): StallEntries | null {
  let m = CPU_ENTRY.exec(t);
  if (m) return { cpus: [Number(m[1])], pids: [] };
  if (t.includes('Tasks blocked on')) return { cpus: [], pids: tokens(t.slice(t.indexOf('):') + 2)).pids };
  if ((m = BRACES.exec(t)) && /stall/.test(t)) return tokens(m[1]);
  return null;
}

function tokens(list: string): StallEntries {
  const out: StallEntries = { cpus: [], pids: [] };
  for (const tok of list.trim().split(/\s+/)) {
    let m: RegExpExecArray | null;
    if ((m = /^P(\d+)/.exec(tok))) out.pids.push(Number(m[1]));
    else if ((m = /^(\d+)(?:-|$)/.exec(tok))) out.cpus.push(Number(m[1]));
  }
  return out;
}

export const isStallNote = (t: string): boolean => STALL_NOTE.test(t);

/** "NMI backtrace for cpu 3" (not "... skipped: idling at ...") and "Task dump for CPU 3:": a CPU's task follows. */
export function cpuDumpStart(t: string): number | null {
  const m = CPU_DUMP.exec(t);
  return m ? Number(m[1]) : null;
}

export const STALL_PATTERNS: readonly RegExp[] = [CPU_ENTRY, BRACES, STALL_NOTE, CPU_DUMP];
