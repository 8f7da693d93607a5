import type { Evidence } from '../evidence/evidence';
import { logTimeScale, type LogTimeScale } from '../evidence/log-time-scale';
import { timeSeconds } from '../paste/kernel-log-time';
import type { SeenAt } from './finding';

/**
 * What "now" is for a piece of evidence, and how long before it a kernel-log
 * time lies. A live snapshot's now is the moment it was taken (monotonic log
 * times count from boot, like the uptime); a paste's now is its newest log
 * line, separately for each clock the paste's lines use (seconds since boot,
 * ISO stamps, dmesg -T, syslog), since times on different clocks cannot be
 * compared.
 */
export interface RecencyClock {
  reference: 'snapshot' | 'newest line';
  /** False for a paste without a single timestamp: nothing can be told apart by time. */
  timed: boolean;
  /** Seconds `time` lies before the reference; undefined when it cannot be told. */
  ago(time: string): number | undefined;
  /** `time` as a finding states it. */
  seen(time: string): SeenAt;
  /** The reference itself. */
  now(): SeenAt;
  /** Seconds since boot of a task start time in clock ticks (snapshot), for PID-reuse checks. */
  startSeconds(ticks: number | undefined): number | undefined;
  /** Seconds of monotonic log time (seconds since boot) the reference is at, when known. */
  uptime?: number;
}

const SCALE_ORDER: LogTimeScale[] = ['iso', 'local', 'syslog', 'mono'];
const iso = (ms: number): string => new Date(Math.round(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function recencyClock(ev: Evidence): RecencyClock {
  return ev.source === 'snapshot' && (ev.clock?.uptimeSeconds || (ev.clock?.takenAtMs && ev.clock.bootTimeUnix)) ? snapshotClock(ev) : pasteClock(ev);
}

function snapshotClock(ev: Evidence): RecencyClock {
  const c = ev.clock!;
  const takenAt = c.takenAtMs ?? (c.bootTimeUnix! + c.uptimeSeconds!) * 1000;
  const uptime = c.uptimeSeconds ?? takenAt / 1000 - c.bootTimeUnix!;
  const ago = (time: string): number | undefined => {
    if (logTimeScale(time) !== 'mono') return undefined;
    return Math.max(0, uptime - Number(time));
  };
  return {
    reference: 'snapshot',
    timed: true,
    uptime,
    ago,
    seen(time) {
      const a = ago(time);
      return a === undefined ? { log_time: time } : { log_time: time, at: iso(takenAt - a * 1000), seconds_ago: Math.round(a) };
    },
    now: () => ({ at: iso(takenAt), seconds_ago: 0 }),
    startSeconds: (ticks) => (ticks !== undefined && c.clockTicksPerSecond ? ticks / c.clockTicksPerSecond : undefined),
  };
}

/** A paste: each clock's newest line is its now (a live snapshot without node times falls back to this too). */
function pasteClock(ev: Evidence): RecencyClock {
  const newest = new Map<LogTimeScale, { text: string; secs: number }>();
  const note = (time: string | undefined): void => {
    if (!time) return;
    const scale = logTimeScale(time);
    const secs = scale && timeSeconds(time);
    if (!scale || secs === undefined) return;
    const cur = newest.get(scale);
    if (!cur || secs > cur.secs) newest.set(scale, { text: time, secs });
  };
  for (const span of Object.values(ev.clock?.logSpans ?? {})) note(span?.last);
  // Items the reader kept carry their own times (evidence not read line by line has no spans).
  for (const r of ev.reports) {
    note(r.time);
    note(r.lastTime);
  }
  for (const e of [...ev.backend, ...ev.notes]) note(e.last.time);
  const primary = SCALE_ORDER.find((s) => newest.has(s));
  const ago = (time: string): number | undefined => {
    const scale = logTimeScale(time);
    const ref = scale && newest.get(scale);
    const secs = ref ? timeSeconds(time) : undefined;
    return ref && secs !== undefined ? Math.max(0, ref.secs - secs) : undefined;
  };
  const seen = (time: string): SeenAt => {
    const a = ago(time);
    const at = logTimeScale(time) === 'iso' ? Date.parse(time.replace(',', '.')) : NaN;
    return { log_time: time, ...(Number.isNaN(at) ? {} : { at: iso(at) }), ...(a === undefined ? {} : { seconds_ago: Math.round(a) }) };
  };
  return {
    reference: ev.source === 'snapshot' ? 'snapshot' : 'newest line',
    timed: primary !== undefined,
    ago,
    seen,
    now: () => (primary ? seen(newest.get(primary)!.text) : {}),
    startSeconds: () => undefined,
  };
}
