import type { CollectorClient } from '../../../collector/src';
import type { CollectorPool } from '../nodes/collector-pool';
import type { KubeLookup } from '../kube/pod-lookup';

/**
 * How a question ended, for `--once`'s exit code: the conversation turns
 * failures into sentences, so the terminal watches the lookups it hands the
 * conversation and notes what failed underneath.
 */
export type Outcome = 'answered' | 'not-found' | 'not-understood' | 'unavailable';

export const EXIT_CODES: Record<Outcome, number> = { answered: 0, 'not-found': 1, 'not-understood': 2, unavailable: 3 };

export interface OutcomeRecorder {
  collectors: CollectorPool;
  kube: KubeLookup;
  /** What went wrong since the last reset, worst first. */
  failure(): Outcome | undefined;
  reset(): void;
}

export function createOutcomeRecorder(collectors: CollectorPool, kube: KubeLookup): OutcomeRecorder {
  let unavailable = false;
  let notFound = false;
  const watched = (client: CollectorClient): CollectorClient => ({
    ...client,
    snapshot: async (req) => {
      const res = await client.snapshot(req);
      if (res.status !== 'ok') unavailable = true;
      return res;
    },
  });
  return {
    collectors: {
      async forNode(node) {
        const found = await collectors.forNode(node);
        if (found.status !== 'ok') { unavailable = true; return found; }
        return { ...found, client: watched(found.client) };
      },
      nodes: () => collectors.nodes(),
      close: () => collectors.close(),
    },
    kube: {
      async getPod(namespace, name) {
        const res = await kube.getPod(namespace, name);
        if (res.status === 'unreachable') unavailable = true;
        else if (res.status !== 'ok') notFound = true;
        return res;
      },
      ...(kube.readLayer ? { readLayer: (pod) => kube.readLayer!(pod) } : {}),
    },
    failure: () => (unavailable ? 'unavailable' : notFound ? 'not-found' : undefined),
    reset() { unavailable = false; notFound = false; },
  };
}
