import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface SlackCall { method: string; args: Record<string, unknown>; token?: string; reply?: Record<string, unknown> }

/**
 * A local stand-in for Slack's Web API (https://slack.com/api/METHOD): accepts
 * form or JSON bodies like the real one, answers { ok: true, ... } and
 * records every call for assertions.
 */
export interface FakeSlackApi {
  url: string;
  calls: SlackCall[];
  waitFor(pred: (c: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  /** The next call of `method` is answered 429 with Retry-After (Slack's rate limit). */
  rateLimitNext(method: string, retryAfterSeconds: number): void;
  /** Members of a user group, as usergroups.users.list will report them. */
  setGroup(id: string, users: string[]): void;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(text || '{}');
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    try { out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v; } catch { out[k] = v; }
  }
  return out;
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: SlackCall[] = [];
  const groups = new Map<string, string[]>();
  const limited = new Map<string, number>();
  const waiters: { pred: (c: SlackCall) => boolean; resolve: (c: SlackCall) => void }[] = [];
  let ts = 1700000000;
  const server: Server = createServer(async (req, res) => {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
    const args = await body(req);
    const wait = limited.get(method);
    if (wait !== undefined) {
      limited.delete(method);
      calls.push({ method: `${method} (429)`, args });
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(wait) });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const reply: Record<string, unknown> = { ok: true };
    const call: SlackCall = { method, args, token: String(req.headers.authorization ?? '').replace(/^Bearer /, ''), reply };
    if (method === 'auth.test') Object.assign(reply, { user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'whystuck' });
    if (method === 'chat.postMessage' || method === 'chat.update') Object.assign(reply, { channel: args.channel, ts: `${ts++}.000100` });
    if (method === 'chat.postEphemeral') Object.assign(reply, { message_ts: `${ts++}.000200` });
    if (method === 'usergroups.users.list') Object.assign(reply, { users: groups.get(String(args.usergroup)) ?? [] });
    calls.push(call);
    for (const w of [...waiters]) if (w.pred(call)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(call); }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    setGroup: (id, users) => { groups.set(id, users); },
    rateLimitNext: (method, seconds) => { limited.set(method, seconds); },
    waitFor(pred, timeoutMs = 20000) {
      const seen = calls.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching Slack call within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`)), timeoutMs);
        waiters.push({ pred, resolve: (c) => { clearTimeout(timer); resolve(c); } });
      });
    },
    close: () => new Promise((r) => (server.closeAllConnections(), server).close(() => r())),
  };
}
