import { createServer, type Server } from 'node:http';

/** A local PagerDuty Events API v2 endpoint: 202 { status, message, dedup_key }, bodies recorded. */
export interface FakePagerDuty {
  url: string;
  events: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startFakePagerDuty(): Promise<FakePagerDuty> {
  const events: Record<string, unknown>[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    if (req.url !== '/v2/enqueue' || typeof body.routing_key !== 'string' || body.routing_key.length !== 32) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: ['routing_key must be 32 characters'] }));
      return;
    }
    events.push(body);
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: body.dedup_key }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v2/enqueue`, events, close: () => new Promise((r) => (server.closeAllConnections(), server).close(() => r())) };
}
