/** Delayed work (auto-escalation), behind an interface so tests fire it themselves instead of waiting. */
export interface Scheduler {
  after(ms: number, fn: () => void): { cancel(): void };
}

export const timerScheduler: Scheduler = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
