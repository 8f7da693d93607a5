import type { Frame } from '../evidence/evidence';
import { parseFrameLine } from '../evidence/frames';

/**
 * The lines inside a kernel report, after its headline, on every
 * architecture the kernel prints them for: call-trace frames, the current
 * task ("CPU: 3 PID: 1 Comm: x"), the faulting instruction pointer, register
 * dumps (x86 RAX..., arm64 x29/pc/lr, ppc GPR/NIP, s390 Krnl PSW), raw stack
 * words, "Code:" bytes, <TASK>/<IRQ> markers and the kernel's notes. A line
 * that is none of these ends the report. All patterns are anchored at the
 * start of the (trimmed) message and linear.
 */

/** ppc: "[c0000000fe3bbb30] [c000000000123456] fn+0x1c/0x40 [mod] (unreliable)" */
const PPC_FRAME = /^\[[0-9a-f]{8,16}\] \[[0-9a-f]{8,16}\] ([A-Za-z_.$][\w.$]*)(\+0x[0-9a-f]+\/0x[0-9a-f]+)(?: \[([\w-]+)\])?( \(unreliable\))?/;
/** arm32: "[<c0123456>] (fn+0x1c/0x40) from [<c0456789>] (caller+0x10/0x20)" */
const ARM32_FRAME = /^\[<[0-9a-f]+>\] \(([A-Za-z_.$][\w.$]*)(\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?: \[([\w-]+)\])?\)/;
/** s390 and others print the unreliable first entry in parentheses: "([<000000000011d0e2>] fn+0x62/0x88)" */
const PAREN_FRAME = /^\(\[<[0-9a-f]+>\] ([A-Za-z_.$][\w.$]*)(\+0x[0-9a-f]+\/0x[0-9a-f]+)?/;
/** "<IRQ>", "</TASK>", "<EOI>", "<#DF>", possibly followed by a frame on old kernels. */
const MARKER = /^<\/?[A-Z#]{2,10}>\s*/;

export function reportFrame(text: string): Frame | null {
  const f = parseFrameLine(text);
  if (f) return f;
  const t = text.trimStart();
  const c = t.charCodeAt(0);
  let m: RegExpExecArray | null;
  if (c === 91 /* [ */) {
    if ((m = PPC_FRAME.exec(t))) return { fn: m[1], offset: m[2], module: m[3] ?? '', unreliable: Boolean(m[4]) };
    if ((m = ARM32_FRAME.exec(t))) return { fn: m[1], offset: m[2] ?? '', module: m[3] ?? '', unreliable: false };
  } else if (c === 40 /* ( */) {
    if ((m = PAREN_FRAME.exec(t))) return { fn: m[1], offset: m[2] ?? '', module: '', unreliable: true };
  } else if (c === 60 /* < */) {
    const marker = MARKER.exec(t);
    if (marker && marker[0].length < t.length) return reportFrame(t.slice(marker[0].length));
  }
  return null;
}

export interface CurrentTask {
  cpu?: number;
  pid: number;
  comm: string;
}

const CPU_LINE = /^CPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (.{1,20}?)(?= +(?:Kdump: loaded|Not tainted|Tainted:|\d+\.\d+)|\s*$)/;
const OLD_PID = /^Pid: (\d+), comm: (.{1,20}?)(?= +(?:Not tainted|Tainted:|\d+\.\d+)|\s*$)/;
const PROCESS = /^Process (.{1,20}?) \(pid: (\d+), /;

/** The task a report was printed in: "CPU: 3 PID: 123 Comm: java Not tainted ...", 2.6's "Pid: 123, comm: java" and "Process java (pid: 123, ...". */
export function currentTask(t: string): CurrentTask | null {
  let m: RegExpExecArray | null;
  switch (t.charCodeAt(0)) {
    case 67 /* C */:
      if ((m = CPU_LINE.exec(t))) return { cpu: Number(m[1]), pid: Number(m[2]), comm: m[3] };
      return null;
    case 80 /* P */:
      if ((m = OLD_PID.exec(t))) return { pid: Number(m[1]), comm: m[2] };
      if ((m = PROCESS.exec(t))) return { pid: Number(m[2]), comm: m[1] };
      return null;
    default:
      return null;
  }
}

const X86_RIP = /^(?:RIP|EIP|IP)(?::|\s)\s*(?:[0-9a-f]{4}:)?(?:\[<[0-9a-f]+>\]\s*)*([A-Za-z_.$][\w.$]*)\+0x/;
const OTHER_RIP = /^(?:pc : (?:\[<[0-9a-f]+>\] )?|PC is at |EIP is at |NIP:? +\[[0-9a-f]+\] |Krnl PSW : [0-9a-f]+ [0-9a-f]+ \(|\[exception RIP: )([A-Za-z_.$][\w.$]*)(?:[+\]]|$)/;

/** The kernel function that faulted or was interrupted: x86 RIP/EIP/IP, arm64 pc, ppc NIP, s390 PSW, crash's exception RIP. User-space RIPs (0033:0x7f...) are not functions. */
export function kernelRip(t: string): string | null {
  const m = X86_RIP.exec(t) ?? OTHER_RIP.exec(t);
  return m ? m[1] : null;
}

/** Headings and notes a report prints besides frames and registers. */
const NOTES =
  /^(?:Call [Tt]race:|Stack:|Backtrace:|Exception stack|Modules linked in:|Hardware name:|Workqueue:|Kernel Offset:|---\[ end|irq event stamp:|hardirqs last|softirqs last|Sched_info|Code: |Krnl (?:PSW|GPRS|Code)|Last Breaking-Event-Address:|Mem abort info:|Data abort info:|(?:user|swapper) pgtable:|#PF: |[PG]GD [0-9a-f]+|Tainted: |Not tainted|task: [0-9a-f]+ |note: .{1,40}\[\d+\] exited with|Fixing recursive fault|Dumping ftrace buffer:|\(ftrace buffer empty\)|Sending NMI from CPU|Shutting down cpus with NMI|Rebooting in \d+ seconds|Blocked by coredump|CPU#\d+ Utilization every|#\d+: +\d+% system|Instruction dump:|Faulting instruction address|Failing address:|Comm: |EIP is at|PC is at|LR is at|pc : |lr : |sp : |pstate: |NIP |LR \[|RIP |.{0,80}disables this message)/;
/** Register dumps: x86 "RAX: ...", "FS:  0000...", ppc "GPR00:", "MSR:  ...", s390 "R:0 T:1 IO:1". */
const REGISTER = /^[A-Z][A-Z0-9_]{0,7} ?: *\S/;
/** arm64 registers: "x29: ffff800012345678 x28: ...". */
const ARM64_REGISTER = /^x\d{1,2} *: [0-9a-f]{4}/;
/** arm64 fault decoding: "ESR = 0x96000004", "EC = 0x25: DABT (current EL), IL = 32 bits". */
const KEY_EQUALS = /^[A-Z][A-Za-z0-9]{0,10} = \S/;
/** Raw stack words ("ffff88003fc13680 0000000000000082 ...") and s390 code lines ("#00000000001232c4: e3..."). */
const STACK_WORDS = /^(?:[0-9a-f]{8,16} +)*[0-9a-f]{8,16}$/;
const CODE_LINE = /^[#>]?[0-9a-f]{8,16}: [0-9a-f]{2}/;
/** arm64 "[0000000000000008] pgd=0000000000000000, p4d=...". */
const PGD_LINE = /^\[[0-9a-f]{8,16}\] [a-z]/;

/** Is this (trimmed) line part of a report body other than a frame? */
export function isBodyLine(t: string): boolean {
  const c = t.charCodeAt(0);
  if (c === 60 /* < */) return MARKER.test(t);
  if (c === 91 /* [ */) return PGD_LINE.test(t);
  if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102) /* hex */) {
    if (STACK_WORDS.test(t) || CODE_LINE.test(t)) return true;
  }
  if (c === 35 /* # */ || c === 62 /* > */) return CODE_LINE.test(t) || NOTES.test(t);
  if (c === 120 /* x */) return ARM64_REGISTER.test(t);
  return NOTES.test(t) || REGISTER.test(t) || KEY_EQUALS.test(t);
}

/** Patterns of this grammar, for the linear-time regression test. */
export const BODY_PATTERNS: readonly RegExp[] = [
  PPC_FRAME,
  ARM32_FRAME,
  PAREN_FRAME,
  MARKER,
  CPU_LINE,
  OLD_PID,
  PROCESS,
  X86_RIP,
  OTHER_RIP,
  NOTES,
  REGISTER,
  ARM64_REGISTER,
  KEY_EQUALS,
  STACK_WORDS,
  CODE_LINE,
  PGD_LINE,
];
