import { newTask } from '../../evidence/evidence';
import { formatFrame } from '../../evidence/frames';
import { taskRef } from '../context';
import { finding, type Rule } from '../rule';

/** Frames on the stack of the task that was running when the kernel oopsed or panicked (crash `bt` of the panic task). */
const DYING =
  /^(?:oops_end|die|__die|crash_kexec|__crash_kexec|panic|no_context|bad_area_nosemaphore|__bad_area_nosemaphore|do_trap|do_error_trap|do_general_protection|exc_general_protection|exc_invalid_op|handle_invalid_op|kernelmode_fixup_or_oops|page_fault_oops)$/;

/** BUG / Oops / general protection fault / panic / WARNING reports. */
export const kernelBug: Rule = {
  id: 'kernel-bug',
  run(ctx) {
    return ctx.ev.reports
      .filter((r) => r.kind === 'kernel-bug')
      .map((r) => {
        const warning = r.headline.startsWith('WARNING:');
        const panic = /Kernel panic/.test(r.headline);
        const where = r.rip ?? r.frames.find((f) => !f.unreliable)?.fn;
        const current = r.pid ? (ctx.byTid.get(r.pid) ?? newTask(r.pid, r.comm ?? '?')) : ctx.tasks.find((t) => t.stack?.some((f) => DYING.test(f.fn)));
        return finding({
          id: 'kernel-bug',
          severity: warning ? 'warning' : 'critical',
          confidence: 0.9,
          title: `Kernel ${panic ? 'panic' : warning ? 'WARNING' : 'BUG/Oops'}: ${r.headline.slice(0, 120)}`,
          explanation: `${r.headline}${where ? ` in ${where}` : ''}${current ? ` (task ${current.comm}:${current.tid})` : ''}. ${warning ? 'A WARNING means the kernel hit a condition its authors considered impossible; it continues, but state may be inconsistent.' : 'After an Oops the kernel killed the task in the middle of kernel code; locks it held stay held, so other tasks can hang behind them.'}${r.count > 1 ? ` Reported ${r.count} times.` : ''}`,
          evidence: [
            r.headline,
            ...(r.rip ? [`RIP: ${r.rip}`] : []),
            ...r.frames
              .filter((f) => !f.unreliable)
              .slice(0, 8)
              .map(formatFrame),
            ...(current && !r.pid ? current.lines.slice(0, 1) : []),
          ],
          tasks: current ? [taskRef(current, 'trigger')] : [],
          remediations: [{ action: 'manual', effective: 'unknown', risk: 'high', why: 'Search the function and kernel version for a known fix; drain and reboot the node if tasks hang behind it.' }],
        });
      });
  },
};
