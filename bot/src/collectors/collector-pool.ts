import { createCollectorClient, type CollectorClient } from '../../../collector/src/grpc/client';
import type { TlsFiles } from '../../../collector/src/grpc/tls';

export type CollectorLookup =
  | { status: 'ok'; client: CollectorClient; address: string }
  | { status: 'unknown-node'; message: string };

/** One collector client per node, created on first use and reused. */
export interface CollectorPool {
  forNode(node: string): CollectorLookup;
  nodes(): string[];
  close(): void;
}

export function createCollectorPool(opts: { addresses: Map<string, string>; tls?: TlsFiles; insecure: boolean; deadlineMs: number }): CollectorPool {
  const clients = new Map<string, CollectorClient>();
  return {
    forNode(node) {
      const address = opts.addresses.get(node);
      if (!address) {
        return { status: 'unknown-node', message: `no collector is configured for node ${node} (WHYSTUCK_COLLECTORS knows: ${[...opts.addresses.keys()].join(', ') || 'none'})` };
      }
      let client = clients.get(node);
      if (!client) {
        client = createCollectorClient({ address, tls: opts.insecure ? undefined : opts.tls, deadlineMs: opts.deadlineMs, retries: 2 });
        clients.set(node, client);
      }
      return { status: 'ok', client, address };
    },
    nodes: () => [...opts.addresses.keys()],
    close() {
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
