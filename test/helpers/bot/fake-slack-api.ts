import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token?: string;
  reply?: Record<string, unknown>;
}

/** A file object as message events and files.info carry it. */
export interface FakeSlackFile {
  id: string;
  name: string;
  mimetype: string;
  filetype: string;
  size: number;
  mode: string;
  url_private: string;
  url_private_download: string;
}

/**
 * A local stand-in for Slack's Web API (https://slack.com/api/METHOD): accepts
 * form or JSON bodies like the real one, answers { ok: true, ... } and
 * records every call for assertions.
 */
export interface FakeSlackApi {
  url: string;
  calls: SlackCall[];
  waitFor(pred: (c: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  /** Calls `listener` with every call recorded from now on (answered ones after their answer is set); returns the unsubscribe. */
  onCall(listener: (c: SlackCall) => void): () => void;
  /** The next call of `method` is answered 429 with Retry-After (Slack's rate limit). */
  rateLimitNext(method: string, retryAfterSeconds: number): void;
  /** Members of a user group, as usergroups.users.list will report them. */
  setGroup(id: string, users: string[]): void;
  /** Fields auth.test answers besides the bot's own (e.g. an Enterprise Grid install: enterprise_id, is_enterprise_install). */
  setAuthTest(fields: Record<string, unknown>): void;
  /**
   * An uploaded file, served at its url_private(_download) like files.slack.com:
   * with a Bearer token the bytes (recorded as a "file.download" call), without
   * one Slack's HTML sign-in page. `size` overrides the size the metadata claims.
   */
  addFile(name: string, content: string | Buffer, opts?: { mimetype?: string; size?: number; redirectTo?: string }): FakeSlackFile;
  /** chat.postMessage to this channel fails with `error` (e.g. not_in_channel: the bot is not a member). */
  refuseChannel(channel: string, error: string): void;
  /** Calls of `method` get no answer (a slow Slack) until the returned release is called (or the fake closes); each is recorded when it arrives, as `METHOD (held)`. */
  hold(method: string): () => void;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(text || '{}');
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    try {
      out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: SlackCall[] = [];
  const groups = new Map<string, string[]>();
  const limited = new Map<string, number>();
  const waiters: { pred: (c: SlackCall) => boolean; resolve: (c: SlackCall) => void }[] = [];
  const listeners = new Set<(c: SlackCall) => void>();
  const files = new Map<string, { meta: FakeSlackFile; content: Buffer; redirectTo?: string }>();
  const refused = new Map<string, string>();
  const held = new Map<string, { gate: Promise<void>; open: () => void }>();
  let ts = 1700000000;
  let authExtra: Record<string, unknown> = {};
  const record = (call: SlackCall): void => {
    calls.push(call);
    for (const l of listeners) l(call);
    for (const w of [...waiters])
      if (w.pred(call)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(call);
      }
  };
  const server: Server = createServer(async (req, res) => {
    const file = /^\/files-pri\/T1-(F\w+)\/(?:download\/)?[^/]+$/.exec((req.url ?? '').split('?')[0]);
    if (file && req.method === 'GET') {
      const f = files.get(file[1]);
      const token = /^Bearer (xox[bp]-\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      record({ method: 'file.download', args: { id: file[1], url: req.url }, token });
      if (!f) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('file not found');
        return;
      }
      if (!token) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
        return;
      }
      if (f.redirectTo) {
        res.writeHead(302, { location: f.redirectTo });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': f.meta.mimetype, 'content-length': String(f.content.length) });
      res.end(f.content);
      return;
    }
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
    const args = await body(req);
    const gate = held.get(method);
    if (gate) {
      record({ method: `${method} (held)`, args });
      await gate.gate;
    }
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
    if (method === 'auth.test') Object.assign(reply, { user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'whystuck' }, authExtra);
    if (method === 'chat.postMessage' && refused.has(String(args.channel))) Object.assign(reply, { ok: false, error: refused.get(String(args.channel)) });
    else if (method === 'chat.postMessage' || method === 'chat.update') Object.assign(reply, { channel: args.channel, ts: `${ts++}.000100` });
    if (method === 'conversations.open') Object.assign(reply, { channel: { id: `D${String(args.users).replace(/^U/, '')}` } });
    if (method === 'chat.postEphemeral') Object.assign(reply, { message_ts: `${ts++}.000200` });
    if (method === 'usergroups.users.list') Object.assign(reply, { users: groups.get(String(args.usergroup)) ?? [] });
    if (method === 'views.open') Object.assign(reply, { view: { id: `V${ts++}`, ...(args.view as object) } });
    if (method === 'files.info') {
      const f = files.get(String(args.file));
      if (f) Object.assign(reply, { file: f.meta });
      else Object.assign(reply, { ok: false, error: 'file_not_found' });
    }
    record(call);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    setGroup: (id, users) => {
      groups.set(id, users);
    },
    setAuthTest: (fields) => {
      authExtra = fields;
    },
    refuseChannel: (channel, error) => {
      refused.set(channel, error);
    },
    addFile(name, content, opts = {}) {
      const id = `F${String(files.size + 1).padStart(8, '0')}`;
      const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
      const base = `http://127.0.0.1:${port}/files-pri/T1-${id}`;
      const meta: FakeSlackFile = {
        id,
        name,
        mimetype: opts.mimetype ?? 'text/plain',
        filetype: 'text',
        size: opts.size ?? bytes.length,
        mode: 'hosted',
        url_private: `${base}/${encodeURIComponent(name)}`,
        url_private_download: `${base}/download/${encodeURIComponent(name)}`,
      };
      files.set(id, { meta, content: bytes, redirectTo: opts.redirectTo });
      return meta;
    },
    rateLimitNext: (method, seconds) => {
      limited.set(method, seconds);
    },
    hold(method) {
      let open = (): void => undefined;
      const gate = new Promise<void>((r) => {
        open = r;
      });
      held.set(method, { gate, open });
      return () => {
        if (held.get(method)?.gate === gate) held.delete(method);
        open();
      };
    },
    onCall(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitFor(pred, timeoutMs = 20000) {
      const seen = calls.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching Slack call within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`)), timeoutMs);
        waiters.push({
          pred,
          resolve: (c) => {
            clearTimeout(timer);
            resolve(c);
          },
        });
      });
    },
    close: () => {
      for (const { open } of held.values()) open();
      held.clear();
      return new Promise((r) => (server.closeAllConnections(), server).close(() => r()));
    },
  };
}
