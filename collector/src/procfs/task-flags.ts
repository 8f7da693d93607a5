/** task->flags bits (include/linux/sched.h) that matter when a task is stuck. */
export const PF = {
  IDLE: 0x2,
  EXITING: 0x4,
  VCPU: 0x10,
  WQ_WORKER: 0x20,
  FORKNOEXEC: 0x40,
  MCE_PROCESS: 0x80,
  SUPERPRIV: 0x100,
  DUMPCORE: 0x200,
  SIGNALED: 0x400,
  MEMALLOC: 0x800,
  NPROC_EXCEEDED: 0x1000,
  USED_MATH: 0x2000,
  NOFREEZE: 0x8000,
  KSWAPD: 0x20000,
  MEMALLOC_NOFS: 0x40000,
  MEMALLOC_NOIO: 0x80000,
  LOCAL_THROTTLE: 0x100000,
  KTHREAD: 0x200000,
  RANDOMIZE: 0x400000,
  NO_SETAFFINITY: 0x4000000,
  MCE_EARLY: 0x8000000,
  MEMALLOC_PIN: 0x10000000,
  SUSPEND_TASK: 0x80000000,
} as const;

const ENTRIES = Object.entries(PF);

/** Names of the set bits; `flags` is the unsigned 32-bit value from stat. */
export function flagNames(flags: number): string[] {
  const names: string[] = [];
  for (const [name, bit] of ENTRIES) if ((flags & bit) !== 0) names.push(`PF_${name}`);
  return names;
}

export const isKernelThread = (flags: number): boolean => (flags & PF.KTHREAD) !== 0;
