import type { ConditionEvent } from '../../../proto/generated/whystuck/v1/ConditionEvent';

/** What one look at the node shows, as the condition tracker needs it. */
export interface Observation {
  atMs: number;
  /** Tasks in D or Z, and PID-namespace inits (pod '' = the host). */
  tasks: Array<{ pid: number; tgid: number; state: string; podUid: string; isPidNsInit: boolean; inTeardown: boolean }>;
  /** Pods whose freezer cgroup is frozen. */
  frozenPods: Array<{ podUid: string; path: string }>;
}

export interface ConditionThresholds {
  /** D tasks in one pod (or on the host). */
  dTasks: number;
  /** Zombies in one pod; raised only if the count grew while it held. */
  zombies: number;
  /** How long a condition must hold before it is raised. */
  persistMs: number;
}

export const DEFAULT_THRESHOLDS: ConditionThresholds = { dTasks: 3, zombies: 5, persistMs: 30000 };

type Kind = 'd-pileup' | 'zombie-growth' | 'pidns-teardown' | 'frozen-pod';

interface Active {
  kind: Kind;
  podUid: string;
  count: number;
  pids: number[];
  detail: string;
}

interface Tracked extends Active {
  since: number;
  countAtStart: number;
  raised: boolean;
}

const MAX_PIDS = 10;

/**
 * Turns successive observations into RAISED / CLEARED events for states that
 * persist: a pile-up of D tasks, zombies that keep coming, a PID-namespace
 * init stuck tearing its namespace down, a frozen pod. A state is raised once
 * it has held for `persistMs` and cleared once it is gone; a blip never
 * raises anything, and a raised state is never raised twice.
 */
export function createConditionTracker(thresholds: ConditionThresholds = DEFAULT_THRESHOLDS): {
  observe(o: Observation): ConditionEvent[];
  active(): ConditionEvent[];
} {
  const tracked = new Map<string, Tracked>();

  function current(o: Observation): Map<string, Active> {
    const out = new Map<string, Active>();
    const add = (kind: Kind, podUid: string, pid: number, detail: string, key = `${kind}|${podUid}`): void => {
      const a = out.get(key) ?? { kind, podUid, count: 0, pids: [], detail };
      a.count++;
      if (a.pids.length < MAX_PIDS) a.pids.push(pid);
      out.set(key, a);
    };
    for (const t of o.tasks) {
      if (t.state === 'D') add('d-pileup', t.podUid, t.pid, '');
      if (t.state === 'Z' && t.pid === t.tgid) add('zombie-growth', t.podUid, t.pid, '');
      if (t.isPidNsInit && t.inTeardown)
        add('pidns-teardown', t.podUid, t.pid, `pid ${t.pid} is tearing its PID namespace down (zap_pid_ns_processes) and waits for its last tasks`, `pidns-teardown|${t.podUid}|${t.pid}`);
    }
    for (const f of o.frozenPods) add('frozen-pod', f.podUid, 0, `freezer cgroup ${f.path} is FROZEN`);
    for (const [key, a] of out) {
      if (a.kind === 'd-pileup' && a.count < thresholds.dTasks) out.delete(key);
      if (a.kind === 'zombie-growth' && a.count < thresholds.zombies) out.delete(key);
      if (a.kind === 'd-pileup') a.detail = `${a.count} tasks in uninterruptible sleep (D)`;
      if (a.kind === 'zombie-growth') a.detail = `${a.count} zombie processes, and growing`;
      if (a.kind === 'frozen-pod') a.pids = [];
    }
    return out;
  }

  const event = (t: Tracked, state: 'RAISED' | 'CLEARED'): ConditionEvent => ({
    kind: t.kind,
    state,
    pod_uid: t.podUid,
    count: t.count,
    since_unix_ms: t.since,
    pids: t.pids,
    detail: t.detail,
  });

  return {
    observe(o) {
      const events: ConditionEvent[] = [];
      const now = current(o);
      for (const [key, a] of now) {
        let t = tracked.get(key);
        if (!t) {
          t = { ...a, since: o.atMs, countAtStart: a.count, raised: false };
          tracked.set(key, t);
        } else {
          Object.assign(t, { count: a.count, pids: a.pids, detail: a.detail });
        }
        const held = o.atMs - t.since >= thresholds.persistMs;
        const grew = t.kind !== 'zombie-growth' || t.count > t.countAtStart;
        if (!t.raised && held && grew) {
          t.raised = true;
          events.push(event(t, 'RAISED'));
        }
      }
      for (const [key, t] of tracked) {
        if (now.has(key)) continue;
        tracked.delete(key);
        if (t.raised) events.push(event(t, 'CLEARED'));
      }
      return events;
    },
    active() {
      return [...tracked.values()].filter((t) => t.raised).map((t) => event(t, 'RAISED'));
    },
  };
}
