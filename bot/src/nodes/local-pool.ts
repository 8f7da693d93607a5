import type { CollectorClient } from '../../../collector/src';
import type { CollectorPool } from './collector-pool';

/** This machine's collector answers for `node`; every other node goes to the bot's usual pool (WHYSTUCK_COLLECTORS, discovery). */
export function withLocalCollector(local: { node: string; address: string; client: CollectorClient }, others: CollectorPool): CollectorPool {
  return {
    async forNode(node) {
      if (node === local.node) return { status: 'ok', client: local.client, address: local.address, where: `this machine's collector at ${local.address}` };
      return others.forNode(node);
    },
    async nodes() {
      const rest = await others.nodes();
      return { nodes: [local.node, ...rest.nodes.filter((n) => n !== local.node)], problems: rest.problems };
    },
    close: () => others.close(),
  };
}
