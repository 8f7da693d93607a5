/**
 * Admission for Snapshot calls: a bounded queue of snapshot work, callers
 * that gave up dropped before their work starts, and identical requests
 * coalesced into one piece of work.
 *
 * A piece of work (a job) is one snapshot for one request shape (everything
 * in the request but its deadline). A caller whose request matches a job that
 * is still waiting to start joins it; a job that has started takes no one
 * else, so every caller gets a snapshot that began after it arrived — never
 * evidence older than its question. Callers arriving while a job of their
 * shape runs share the next one.
 *
 * Past `maxRunning` running jobs, new jobs wait in a FIFO queue of at most
 * `maxQueued` jobs (and `maxWaiting` callers in all); past that the caller is
 * refused at once (the server answers RESOURCE_EXHAUSTED). When a job's turn
 * comes, callers that cancelled or whose deadline has passed are dropped; a
 * job left with no caller is dropped without reading anything. A job that has
 * started is aborted (its `run` signal fires) when its last caller still
 * waiting for it leaves: the snapshot stops mid-scan (snapshotter.ts).
 */
export type GateRefusal = { ok: false; message: string };

export interface GateCaller<R> {
  /** 'ok' while the caller still wants the answer. */
  state(): 'ok' | 'cancelled' | 'deadline';
  answer(result: { ok: true; value: R } | { ok: false; error: Error }): void;
}

export interface GateTicket {
  /** The caller left (cancelled): out of its job if the job has not started; the job aborted if it has and no one else waits for it. */
  leave(): void;
}

export interface SnapshotGateStats {
  /** Calls admitted (queued, joined or started at once). */
  admitted: number;
  /** Calls that joined a job already waiting for the same request. */
  coalesced: number;
  /** Jobs started (one snapshot each). */
  started: number;
  /** Callers dropped before their job started: the client cancelled. */
  droppedCancelled: number;
  /** Callers dropped before their job started: their deadline had passed. */
  droppedDeadline: number;
  /** Jobs dropped because none of their callers was left. */
  jobsDropped: number;
  /** Started jobs aborted because their last waiting caller left (the snapshot stops mid-scan). */
  aborted: number;
  /** Calls refused: the queue was full. */
  refused: number;
  running: number;
  queuedJobs: number;
  waitingCallers: number;
}

export interface SnapshotGate<Q, R> {
  /** Admits a caller for request `req` (whose coalescing key is `key`), or refuses it. */
  submit(key: string, req: Q, caller: GateCaller<R>): GateTicket | GateRefusal;
  stats(): SnapshotGateStats;
}

export interface SnapshotGateOptions<Q, R> {
  /** Takes the snapshot; `signal` fires when no caller wants it any more (it may then reject). */
  run(req: Q, signal: AbortSignal): Promise<R>;
  /** How the requests of a job's callers combine into the one it runs (e.g. the longest deadline). */
  merge?(a: Q, b: Q): Q;
  /** Snapshots taken at the same time (default 2: one scans while the other reads stacks or waits for its CPU sample). */
  maxRunning?: number;
  /** Jobs waiting to start (default 16). */
  maxQueued?: number;
  /** Callers waiting in all, joined ones included (default 256). */
  maxWaiting?: number;
}

interface Job<Q, R> {
  key: string;
  req: Q;
  callers: Set<GateCaller<R>>;
  /** Set when the job starts. */
  running?: AbortController;
}

export function createSnapshotGate<Q, R>(opts: SnapshotGateOptions<Q, R>): SnapshotGate<Q, R> {
  const maxRunning = opts.maxRunning ?? 2;
  const maxQueued = opts.maxQueued ?? 16;
  const maxWaiting = opts.maxWaiting ?? 256;
  const queue: Array<Job<Q, R>> = [];
  const waiting = new Map<string, Job<Q, R>>();
  let running = 0;
  let waitingCallers = 0;
  const s = { admitted: 0, coalesced: 0, started: 0, droppedCancelled: 0, droppedDeadline: 0, jobsDropped: 0, aborted: 0, refused: 0 };

  function removeJob(job: Job<Q, R>): void {
    const i = queue.indexOf(job);
    if (i >= 0) queue.splice(i, 1);
    if (waiting.get(job.key) === job) waiting.delete(job.key);
  }

  function pump(): void {
    while (running < maxRunning && queue.length > 0) {
      const job = queue.shift() as Job<Q, R>;
      waiting.delete(job.key);
      waitingCallers -= job.callers.size;
      for (const c of [...job.callers]) {
        const st = c.state();
        if (st === 'ok') continue;
        job.callers.delete(c);
        if (st === 'cancelled') s.droppedCancelled++;
        else s.droppedDeadline++;
      }
      if (job.callers.size === 0) {
        s.jobsDropped++;
        continue;
      }
      start(job);
    }
  }

  function start(job: Job<Q, R>): void {
    running++;
    s.started++;
    const callers = [...job.callers];
    const controller = (job.running = new AbortController());
    const done = (result: { ok: true; value: R } | { ok: false; error: Error }): void => {
      running--;
      for (const c of callers) if (c.state() === 'ok') c.answer(result);
      pump();
    };
    let p: Promise<R>;
    try {
      p = opts.run(job.req, controller.signal);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (value) => done({ ok: true, value }),
      (error: Error) => done({ ok: false, error }),
    );
  }

  return {
    submit(key, req, caller) {
      // A caller that is gone already (cancelled before its call was handled) costs nothing.
      const st = caller.state();
      if (st !== 'ok') {
        if (st === 'cancelled') s.droppedCancelled++;
        else s.droppedDeadline++;
        return { leave: () => undefined };
      }
      const joinable = waiting.get(key);
      if (joinable) {
        if (waitingCallers >= maxWaiting) {
          s.refused++;
          return { ok: false, message: `collector busy: ${waitingCallers} snapshot calls are already waiting (limit ${maxWaiting}); retry in a moment` };
        }
        joinable.callers.add(caller);
        if (opts.merge) joinable.req = opts.merge(joinable.req, req);
        waitingCallers++;
        s.admitted++;
        s.coalesced++;
        return ticket(joinable, caller);
      }
      const job: Job<Q, R> = { key, req, callers: new Set([caller]) };
      if (running < maxRunning && queue.length === 0) {
        s.admitted++;
        start(job);
        return ticket(job, caller);
      }
      if (queue.length >= maxQueued || waitingCallers >= maxWaiting) {
        s.refused++;
        const what =
          queue.length >= maxQueued
            ? `${queue.length} snapshots are already queued (limit ${maxQueued}) behind ${running} running`
            : `${waitingCallers} snapshot calls are already waiting (limit ${maxWaiting})`;
        return { ok: false, message: `collector busy: ${what}; retry in a moment` };
      }
      queue.push(job);
      waiting.set(key, job);
      waitingCallers++;
      s.admitted++;
      return ticket(job, caller);
    },
    stats: () => ({ ...s, running, queuedJobs: queue.length, waitingCallers }),
  };

  function ticket(job: Job<Q, R>, caller: GateCaller<R>): GateTicket {
    return {
      leave() {
        const started = job.running;
        if (started) {
          // Started: its answer is not sent to this caller; with no caller left waiting, it stops.
          if (started.signal.aborted || [...job.callers].some((c) => c !== caller && c.state() === 'ok')) return;
          s.aborted++;
          started.abort();
          return;
        }
        if (!queue.includes(job) || !job.callers.delete(caller)) return;
        waitingCallers--;
        s.droppedCancelled++;
        if (job.callers.size === 0) {
          removeJob(job);
          s.jobsDropped++;
        }
      },
    };
  }
}
