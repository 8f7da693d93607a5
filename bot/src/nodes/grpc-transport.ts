import type { CollectorPool } from './collector-pool';
import type { NodeTransport } from './transport';

/** gRPC codes with which the collector refuses a request before acting on it (it never ran). */
const REFUSED_BEFORE_ACTING = new Set([
  3, // INVALID_ARGUMENT
  5, // NOT_FOUND
  6, // ALREADY_EXISTS
  7, // PERMISSION_DENIED
  8, // RESOURCE_EXHAUSTED (the collector's queue)
  9, // FAILED_PRECONDITION
  11, // OUT_OF_RANGE
  12, // UNIMPLEMENTED
  16, // UNAUTHENTICATED
]);

/**
 * A transport failure (UNAVAILABLE, DEADLINE_EXCEEDED) of a call that never
 * got a connection: grpc-js says "No connection established", or a deadline
 * that passed while "Waiting for LB pick" / name resolution, with no
 * remote_addr. Anything else may have reached the collector.
 */
export function neverLeft(message: string): boolean {
  if (/remote_addr=/.test(message)) return false;
  return /No connection established|Waiting for LB pick|waiting for name resolution|waiting for metadata filters/i.test(message);
}

/** grpc-js ends its message with an empty "Resolution note: ." for literal addresses. */
const tidy = (m: string): string => m.replace(/\.?\s*Resolution note:\s*\.?$/, '');

/** The node's collector over gRPC with mutual TLS, found through the pool (configured address or discovery). */
export function grpcTransport(pool: CollectorPool): NodeTransport {
  return {
    path: 'collector',
    async where(node) {
      const c = await pool.forNode(node);
      return c.status === 'ok' ? { ok: true, where: c.where } : { ok: false, message: c.message };
    },
    async snapshot(node, req) {
      const c = await pool.forNode(node);
      if (c.status !== 'ok') return { status: 'unreachable', message: c.message };
      const res = await c.client.snapshot(req);
      if (res.status === 'ok') return { status: 'ok', value: res.value, where: c.where };
      // A snapshot changes nothing: failed is failed, whether or not the request left.
      if (res.status === 'rejected') return { status: 'refused', message: `the collector on ${node} (${c.where}) refused the snapshot: ${res.message}` };
      return { status: 'unreachable', message: `the collector on ${node} (${c.where}) is unreachable: ${tidy(res.message)}` };
    },
    async remediate(node, req) {
      const c = await pool.forNode(node);
      if (c.status !== 'ok') return { status: 'unreachable', message: c.message };
      const res = await c.client.remediate(req);
      if (res.status === 'ok') return { status: 'ok', value: res.value, where: c.where };
      if (res.status === 'unreachable') {
        return neverLeft(res.message)
          ? { status: 'unreachable', message: `the collector on ${node} is unreachable: ${tidy(res.message)}` }
          : { status: 'unknown', message: `the collector on ${node} (${c.where}) did not answer after the request was sent: ${tidy(res.message)}` };
      }
      return REFUSED_BEFORE_ACTING.has(res.code)
        ? { status: 'refused', message: `the collector refused: ${res.message}` }
        : { status: 'unknown', message: `the collector on ${node} (${c.where}) failed after the request was sent: ${res.message}` };
    },
  };
}
