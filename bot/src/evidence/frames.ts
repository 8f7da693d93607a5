import type { Frame } from './evidence';

/**
 * One kernel stack frame in any of the forms people paste:
 *   [<0>] do_wait+0x1bf/0x230                      /proc/PID/stack
 *   [<ffffffffba3da5f5>] wait_iff_congested+0x135/0x150 [mod]   old kernels
 *    ? __wake_up+0x40/0x60                         call trace, unreliable
 *   __schedule+0x2cd/0x890                         call trace, reliable
 *   #4 [ffff9adf48673788] wait_iff_congested at ffffffffb61da5f5 [ext4]   crash bt
 * Trailing notes ("---loops here") are ignored. Bare names without an offset
 * are not frames (too easily prose).
 */
const STACK = /^\s*(?:\[<([0-9a-fx]+)>\]\s*)(\?\s+)?([A-Za-z_.$][\w.$]*)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?:\s+\[([\w-]+)\])?/;
const TRACE = /^\s*(\?\s+)?([A-Za-z_.$][\w.$]*)(\+0x[0-9a-f]+\/0x[0-9a-f]+)(?:\s+\[([\w-]+)\])?/;
const CRASH = /^\s*#(\d+)\s+\[([0-9a-f]+)\]\s+([A-Za-z_.$][\w.$]*)\s+at\s+[0-9a-f]+(?:\s+\[([\w-]+)\])?/;

export function parseFrameLine(line: string): Frame | null {
  // After the blanks each pattern allows, STACK needs "[<", CRASH "#", TRACE "?" or a name, and a "+0x" offset:
  // the first character tells which one can match (most lines: none).
  let i = 0;
  while (isSpace(line.charCodeAt(i))) i++;
  const c = line.charCodeAt(i);
  let m: RegExpExecArray | null;
  if (c === 91 /* [ */) {
    if (line.charCodeAt(i + 1) !== 60 /* < */ || !(m = STACK.exec(line))) return null;
    if (/^0x[0-9a-f]+$/.test(m[3]) || /^f+$/.test(m[3])) return null;
    const off = /\+0x[0-9a-f]+\/0x[0-9a-f]+/.exec(line.slice(m.index));
    return { fn: m[3], offset: off ? off[0] : '', module: m[4] ?? '', unreliable: Boolean(m[2]) };
  }
  if (c === 35 /* # */) {
    if (!(m = CRASH.exec(line))) return null;
    return { fn: m[3], offset: '', module: m[4] ?? '', unreliable: false };
  }
  if (!line.includes('+0x', i) || !(m = TRACE.exec(line))) return null;
  return { fn: m[2], offset: m[3], module: m[4] ?? '', unreliable: Boolean(m[1]) };
}

/** What `\s` matches. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const ADDRESSED = /^\s*\[<[0-9a-fx]+>\]/;

/** The first character after the leading blanks (`\s`). */
function firstAfterBlanks(line: string): number {
  let i = 0;
  while (isSpace(line.charCodeAt(i))) i++;
  return line.charCodeAt(i);
}

/** "/proc/PID/stack" style: is this line a frame with a [<addr>] prefix? */
export const isAddressedFrame = (line: string): boolean => firstAfterBlanks(line) === 91 /* [ */ && ADDRESSED.test(line);

export const isCrashFrame = (line: string): boolean => firstAfterBlanks(line) === 35 /* # */ && CRASH.test(line);

export function formatFrame(f: Frame): string {
  return `${f.unreliable ? '? ' : ''}${f.fn}${f.offset}${f.module ? ` [${f.module}]` : ''}`;
}

/** Frames that say nothing about why a task waits. */
const NOISE = new Set([
  '__schedule',
  'schedule',
  'schedule_timeout',
  'io_schedule',
  'io_schedule_timeout',
  'schedule_preempt_disabled',
  'schedule_hrtimeout_range',
  'schedule_hrtimeout_range_clock',
  '__switch_to',
  '__switch_to_asm',
  'ret_from_fork',
  'ret_from_fork_asm',
  'kthread',
  'entry_SYSCALL_64_after_hwframe',
  'entry_SYSCALL_64_fastpath',
  'do_syscall_64',
  'system_call_fastpath',
  'dump_stack',
  'dump_stack_lvl',
  'preempt_schedule_common',
  '_cond_resched',
  '__cond_resched',
  'srso_alias_return_thunk',
  'srso_return_thunk',
  'retbleed_return_thunk',
]);

/** Reliable frames, with scheduler and entry noise dropped: the call chain that matters. */
export function meaningfulFrames(frames: readonly Frame[] | undefined): Frame[] {
  return (frames ?? []).filter((f) => !f.unreliable && !NOISE.has(f.fn));
}
