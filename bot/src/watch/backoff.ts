/**
 * Reconnect delays: doubling from `initialMs` up to `maxMs`, each drawn at
 * random between half and all of it (jitter, so a hundred nodes' streams
 * that broke together do not reconnect together). `reset` after a healthy
 * connection starts again from the smallest delay.
 */
export interface Backoff {
  next(): number;
  reset(): void;
}

export function createBackoff(opts: { initialMs?: number; maxMs?: number; random?: () => number } = {}): Backoff {
  const initial = opts.initialMs ?? 500;
  const max = opts.maxMs ?? 30_000;
  const random = opts.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(max, initial * 2 ** attempt);
      attempt = Math.min(attempt + 1, 30);
      return Math.round(ceiling * (0.5 + random() / 2));
    },
    reset() {
      attempt = 0;
    },
  };
}
