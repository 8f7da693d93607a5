import { newTask } from '../../evidence/evidence';
import { formatFrame } from '../../evidence/frames';
import { taskRef } from '../context';
import { signalRemediation } from '../kill-verdict';
import { finding, type Rule } from '../rule';
import { describeChain } from '../wait-signature';

/** The hung-task watchdog's reports: a task in D longer than hung_task_timeout_secs. */
export const hungTask: Rule = {
  id: 'hung-task',
  run(ctx) {
    return ctx.ev.reports
      .filter((r) => r.kind === 'hung-task')
      .map((r) => {
        // A task the evidence does not show (a live snapshot's history, a report pasted alone): as the report shows it.
        const task = (r.pid !== undefined ? ctx.byTid.get(r.pid) : undefined) ?? { ...newTask(r.pid ?? 0, r.comm ?? '?'), state: 'D', stack: r.frames.length ? r.frames : undefined };
        const s = ctx.signature(task);
        return finding({
          id: 'hung-task',
          severity: 'warning',
          confidence: 0.95,
          title: `Hung task: ${r.comm}:${r.pid} blocked for more than ${r.seconds ?? '?'} s${s.site ? ` in ${s.site}` : ''}`,
          explanation: `The kernel's hung-task watchdog found ${r.comm} (pid ${r.pid}) in uninterruptible sleep for more than ${r.seconds ?? '?'} seconds${s.frames.length ? `, waiting in ${describeChain(s, 5)}` : ''}${s.frames[0]?.module ? ` — inside module [${s.frames[0].module}]` : ''}.${r.count > 1 ? ` Reported ${r.count} times.` : ''} The watchdog only reports; the task stays blocked until its wait ends.`,
          evidence: [
            `${r.time ? `[${r.time}] ` : ''}${r.headline}`,
            ...r.frames
              .filter((f) => !f.unreliable)
              .slice(0, 8)
              .map(formatFrame),
          ],
          tasks: [taskRef(task, 'blocker')],
          remediations: task.tid ? [signalRemediation(task, ctx)] : [],
        });
      });
  },
};
