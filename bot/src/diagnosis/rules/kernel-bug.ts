import { formatFrame } from '../../evidence/frames';
import { finding, type Rule } from '../rule';

/** BUG / Oops / general protection fault / panic / WARNING reports. */
export const kernelBug: Rule = {
  id: 'kernel-bug',
  run(ctx) {
    return ctx.ev.reports.filter((r) => r.kind === 'kernel-bug').map((r) => {
      const warning = r.headline.startsWith('WARNING:');
      const panic = /Kernel panic/.test(r.headline);
      const where = r.rip ?? r.frames.find((f) => !f.unreliable)?.fn;
      return finding({
        id: 'kernel-bug',
        severity: warning ? 'warning' : 'critical',
        confidence: 0.9,
        title: `Kernel ${panic ? 'panic' : warning ? 'WARNING' : 'BUG/Oops'}: ${r.headline.slice(0, 120)}`,
        explanation: `${r.headline}${where ? ` in ${where}` : ''}${r.comm ? ` (task ${r.comm}:${r.pid})` : ''}. ${warning ? 'A WARNING means the kernel hit a condition its authors considered impossible; it continues, but state may be inconsistent.' : 'After an Oops the kernel killed the task in the middle of kernel code; locks it held stay held, so other tasks can hang behind them.'}${r.count > 1 ? ` Reported ${r.count} times.` : ''}`,
        evidence: [r.headline, ...(r.rip ? [`RIP: ${r.rip}`] : []), ...r.frames.filter((f) => !f.unreliable).slice(0, 8).map(formatFrame)],
        remediations: [{ action: 'manual', effective: 'unknown', risk: 'high', why: 'Search the function and kernel version for a known fix; drain and reboot the node if tasks hang behind it.' }],
      });
    });
  },
};
