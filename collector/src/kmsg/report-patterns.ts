/**
 * Headlines of the kernel's own reports, on the message text (prefix already
 * stripped). Shared by the collector's watch mode, which classifies records
 * as it reads them, and the bot's kernel-log reader, which also assembles
 * each report's following lines into evidence.
 *
 * Every pattern is linear on any line: names (comm, at most 15 characters in
 * the kernel, more with markdown escapes) are bounded, and no two adjacent
 * quantifiers can take the same characters.
 */

/** "INFO: task jbd2/sda1-8:312 blocked for more than 120 seconds." */
export const HUNG = /INFO: task (.{1,64}?):(\d+) blocked for more than (\d+) seconds/;

/** A hung-task headline as pasted: the pid redacted ("sysbox-fs:<pid>") or the sentence cut after "blocked". */
export const HUNG_PASTED = /INFO: task (.{1,64}?):(\d+|<[\w ]{1,16}>|[A-Z]{1,8}|\.{3}|…) blocked(?: for more than (\d+) seconds)?(?=[\s.]|$)/;

/**
 * 6.x hung-task blocker tracking, printed after the hung task's trace:
 *   INFO: task X:1 is blocked on a mutex likely owned by task Y:2.
 *   INFO: task X:1 blocked on a semaphore likely last held by task Y:2
 *   INFO: task X:1 <writer> blocked on an rw-semaphore likely owned by task Y:2 <reader>
 *   INFO: task X:1 is blocked on a mutex, but the owner is not found.
 * Groups: 1 comm, 2 pid, 3 "mutex" | "semaphore" | "rw-semaphore", 4 owner comm, 5 owner pid, 6 owned as reader/writer.
 */
export const HUNG_BLOCKER =
  /INFO: task (.{1,64}?):(\d+)(?: <(?:reader|writer)>)? (?:is )?blocked on an? (mutex|semaphore|rw-semaphore)(?:,? likely (?:owned|last held) by task (.{1,64}?):(\d+)(?: <(reader|writer)>)?(?=\.?\s*$| <))?/;

export const SOFT = /BUG: soft lockup - CPU#(\d+) stuck for (\d+)s! \[(.{1,64}):(\d+)\]/;

/** "NMI watchdog: Watchdog detected hard LOCKUP on cpu 2", 6.x "watchdog: CPU4: Watchdog detected hard LOCKUP on cpu 5". */
export const HARD = /[Ww]atchdog detected hard LOCKUP on cpu (\d+)/;

export const RCU = /\b(rcu_\w+|rcu) (?:detected (?:expedited )?stalls? on (?:CPUs\/tasks|tasks)|self-detected stall on CPU)|INFO: (rcu_\w+) (?:detected|self-detected) (?:expedited )?stall/;

/** "rcu: rcu_sched kthread starved for 60004 jiffies! g1234 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402 ->cpu=3" */
export const RCU_STARVED = /\b(rcu_\w+) kthread (?:starved for|timer wakeup didn't happen for) (\d+) jiffies!/;

/**
 * The OOM killer's kill line. Groups 1-2: "X out of memory: Kill(ed) process PID (COMM)";
 * 3-4: a bare "Killed process PID (COMM)" (after "Kill process ... or sacrifice child",
 * or "Killed process PID, UID N, (COMM)" on 2.6 kernels).
 */
export const OOM_KILLED =
  /(?:Memory cgroup out of memory|Out of memory(?: \(oom_kill_allocating_task\))?): Kill(?:ed)? process (\d+) \((.{1,64}?)\)|^Killed process (\d+),? (?:UID \d+, )?\((.{1,64}?)\)/;

/** Old kernels choose before they kill: "Out of memory: Kill process 123 (java) score 900 or sacrifice child". */
export const OOM_SELECTED = /: Kill process (\d+) \((.{1,64}?)\) score -?\d+ or sacrifice child/;

/** "X invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=999" */
export const OOM_START = /^(.{1,64}?) invoked oom-killer: /;

/** 4.19+: "oom-kill:constraint=CONSTRAINT_MEMCG,...,oom_memcg=/kubepods/...,task_memcg=/kubepods/...,task=java,pid=123,uid=0" */
export const OOM_KILL_LINE = /oom-kill:constraint=(\w+).*?(?:oom_memcg=([^,]+))?,task_memcg=([^,]+)/;
export const OOM_KILL_TASK = /,task=(.{1,64}?),pid=(\d+),uid=/;

/** "oom_reaper: reaped process 123 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB" */
export const OOM_REAPED = /^oom_reaper: reaped process (\d+) \((.{1,64}?)\)/;

export const NETDEV = /unregister_netdevice: waiting for (\S+) (?:\(netns \S+\) )?to become free\. Usage count = (-?\d+)/;

/** "Kernel panic - not syncing: Hard LOCKUP" */
export const PANIC = /^Kernel panic - not syncing: ?(.*)$/;

export type PanicKind = 'hard-lockup' | 'soft-lockup' | 'hung-task' | 'rcu-stall' | 'oom-kill' | 'kernel-bug';

/**
 * What a panic reason says happened: the watchdogs and the OOM killer panic
 * with their own reasons (hardlockup_panic, softlockup_panic,
 * hung_task_panic, panic_on_rcu_stall, panic_on_oom); anything else (Fatal
 * exception, Attempted to kill init, ...) is the end of a kernel bug.
 */
export function panicKind(reason: string): { kind: PanicKind; cpu?: number } {
  const hard = HARD.exec(reason);
  if (hard) return { kind: 'hard-lockup', cpu: Number(hard[1]) };
  if (/^Hard LOCKUP\b/i.test(reason)) return { kind: 'hard-lockup' };
  if (/^softlockup\b|soft lockup/i.test(reason)) return { kind: 'soft-lockup' };
  if (/^hung_task\b|blocked tasks/.test(reason)) return { kind: 'hung-task' };
  if (/^RCU Stall|rcu.{0,12}stall/i.test(reason)) return { kind: 'rcu-stall' };
  if (/^(?:Out of memory|System is deadlocked on memory)/.test(reason)) return { kind: 'oom-kill' };
  return { kind: 'kernel-bug' };
}

/**
 * The first line of a BUG / Oops / GPF / WARNING report, any architecture:
 *   BUG: unable to handle page fault for address: ... / BUG: kernel NULL pointer dereference, address: ...
 *   kernel BUG at fs/inode.c:611!        Oops: 0000 [#1] SMP         invalid opcode: 0000 [#1] SMP
 *   general protection fault, probably for non-canonical address 0xdead...: 0000 [#1] SMP
 *   Unable to handle kernel paging request at virtual address ... (arm64)   Internal error: Oops: 96000004 [#1]
 *   WARNING: CPU: 3 PID: 1 at fs/x.c:12 fn+0x1/0x2      WARNING: at fs/x.c:12 fn+0x1/0x2()
 */
export const KERNEL_BUG =
  /^(?:BUG: (?!soft lockup)|kernel BUG at |Oops[: ]|Internal error: |Unable to handle kernel |WARNING: (?:CPU: \d+ (?:UID: \d+ )?PID: \d+ )?at |general protection fault|invalid opcode: |Kernel attempted to (?:read|write|execute|access) user page|kernel tried to execute NX-protected page|unable to execute userspace code|Kernel stack is corrupted|[a-z][a-z0-9 ]{2,40}: [0-9a-f]{4}(?: ilc:\d)? \[#\d+\])/;

/** KERNEL_BUG, with the cheap refusals first (most log lines start with a lower-case word and have no "[#"). */
export function isKernelBugHeadline(t: string): boolean {
  const c = t.charCodeAt(0);
  if (c >= 97 && c <= 122 && !t.includes('[#') && !KERNEL_BUG_LOWER.test(t)) return false;
  return KERNEL_BUG.test(t);
}
const KERNEL_BUG_LOWER = /^(?:kernel |general |invalid |unable )/;

/** The die() line that follows a fault's first line in the same report: "Oops: 0000 [#1] SMP", "invalid opcode: 0000 [#1]". */
export const DIE_LINE =
  /^(?:Oops[: ]|Internal error: |invalid opcode: |[a-z][a-z0-9 ]{2,40}(?:, probably for non-canonical address 0x[0-9a-f]+)?: [0-9a-f]{4}(?: ilc:\d)? \[#\d+\]|BUG: Kernel NULL pointer dereference on|BUG: Unable to handle kernel)/;
