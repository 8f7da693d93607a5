import type { StackFrame } from '../../../proto/generated/whystuck/v1/StackFrame';

/**
 * Parses kernel stack text: /proc/PID/stack ("[<0>] do_wait+0x160/0x2f0"),
 * old kernels with real addresses ("[<ffffffff810b2d3e>] func+0x../0x.."),
 * bare frames ("zap_pid_ns_processes+0x1a3/0x1f0 [mod]") and call-trace lines
 * with "?" for unreliable frames.
 */
const FRAME = /^\s*(\[<([0-9a-fx]+)>\]\s*)?(\?\s+)?([A-Za-z_.$][\w.$]*)(\+0x[0-9a-f]+\/0x[0-9a-f]+)?(\s+\[([\w-]+)\])?\s*$/;

export function parseStackLine(line: string): StackFrame | null {
  const m = FRAME.exec(line);
  if (!m) return null;
  return {
    address: m[1] ? m[1].trim() : '',
    unreliable: Boolean(m[3]),
    function: m[4],
    offset: m[5] ?? '',
    module: m[7] ?? '',
  };
}

export function parseStack(text: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of text.split('\n')) {
    const frame = parseStackLine(line);
    if (frame) frames.push(frame);
  }
  return frames;
}
