import { readFileSync } from 'node:fs';

/** Capability numbers (include/uapi/linux/capability.h) the collector cares about. */
const CAPS: Record<number, string> = {
  5: 'CAP_KILL',
  19: 'CAP_SYS_PTRACE',
  21: 'CAP_SYS_ADMIN',
  34: 'CAP_SYSLOG',
  2: 'CAP_DAC_READ_SEARCH',
  1: 'CAP_DAC_OVERRIDE',
};

/** What each capability lets the collector do; said when it is missing. */
export const CAPABILITY_USE: Record<string, string> = {
  CAP_SYS_ADMIN: "read other tasks' kernel stacks (/proc/PID/stack)",
  CAP_SYSLOG: 'read the kernel log (/dev/kmsg) when kernel.dmesg_restrict=1',
  CAP_SYS_PTRACE: "read wchan, ns links, environ and maps of other users' tasks",
  CAP_KILL: 'signal tasks of other users (Remediate)',
  CAP_DAC_READ_SEARCH: 'read cgroup files and /proc entries not owned by the collector',
};

export function effectiveCapabilities(statusText?: string): string[] {
  const text = statusText ?? readFileSync('/proc/self/status', 'latin1');
  const hex = /^CapEff:\s*([0-9a-f]+)/m.exec(text)?.[1] ?? '0';
  const mask = BigInt(`0x${hex}`);
  return Object.entries(CAPS)
    .filter(([bit]) => (mask >> BigInt(bit)) & 1n)
    .map(([, name]) => name)
    .sort();
}
