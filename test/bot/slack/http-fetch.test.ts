import { createServer, type Server } from 'node:http';
import { WebClient } from '@slack/web-api';
import { httpFetch } from '../../../bot/src/slack/http-fetch';

/** The Web API client's fetch (node:http with keep-alive): what WebClient reads of it, and what it leaves to the global fetch. */
describe('httpFetch', () => {
  let server: Server;
  let base: string;
  let connections = 0;
  const seen: { method?: string; url?: string; type?: string; length?: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], length: req.headers['content-length'], body: Buffer.concat(chunks).toString() });
        if (req.url === '/api/limited') {
          res.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' });
          res.end('{"ok":false,"error":"ratelimited"}');
        } else if (req.url === '/api/moved') {
          res.writeHead(302, { location: 'http://elsewhere.invalid/' });
          res.end();
        } else if (req.url === '/api/slow') {
          setTimeout(() => res.end('{}'), 2000).unref();
        } else {
          res.writeHead(200, { 'content-type': 'application/json', 'x-oauth-scopes': 'chat:write,commands' });
          res.end(JSON.stringify({ ok: true, channel: 'C1', ts: '1700000000.000100', echo: Buffer.concat(chunks).toString() }));
        }
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('carries WebClient calls: the body, the answer, the headers it reads; one connection for many calls', async () => {
    const client = new WebClient('xoxb-test', { slackApiUrl: base, fetch: httpFetch(), retryConfig: { retries: 0 } });
    const before = connections;
    for (let i = 0; i < 10; i++) {
      const r = await client.chat.postMessage({ channel: 'C1', text: `héllo ${i} <b>` });
      expect(r).toMatchObject({ ok: true, channel: 'C1', ts: '1700000000.000100' });
      expect(r.response_metadata?.scopes).toEqual(['chat:write', 'commands']);
    }
    expect(connections - before).toBe(1);
    const last = seen[seen.length - 1];
    expect(last).toMatchObject({ method: 'POST', url: '/api/chat.postMessage', type: 'application/x-www-form-urlencoded' });
    expect(Number(last.length)).toBe(Buffer.byteLength(last.body));
    expect(new URLSearchParams(last.body).get('text')).toBe('héllo 9 <b>');
  });

  it('a 429 keeps its Retry-After; a redirect is refused; a cancelled request ends at once', async () => {
    const f = httpFetch();
    const limited = await f(`${base}limited`, { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('7');
    expect(Object.fromEntries(limited.headers.entries())).toMatchObject({ 'retry-after': '7' });
    expect(await limited.json()).toEqual({ ok: false, error: 'ratelimited' });
    await expect(f(`${base}moved`, { method: 'POST', body: '', redirect: 'error' })).rejects.toThrow(/redirect to http:\/\/elsewhere.invalid\/ refused/);
    const t0 = Date.now();
    await expect(f(`${base}slow`, { method: 'POST', body: '', signal: AbortSignal.timeout(100) })).rejects.toThrow(/timed? ?out|abort/i);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('leaves a FormData body (an upload) and redirects to follow to the fallback', async () => {
    const asked: string[] = [];
    const fallback = async (url: string | URL, init?: { body?: unknown; redirect?: string }) => {
      asked.push(`${String(url)} ${init?.body instanceof FormData ? 'form' : String(init?.redirect)}`);
      return {
        ok: true,
        status: 200,
        statusText: 'OK',
        url: String(url),
        headers: { get: () => null, entries: () => [] },
        arrayBuffer: async () => new ArrayBuffer(0),
        json: async () => ({ ok: true }),
        text: async () => '{"ok":true}',
      };
    };
    const f = httpFetch(fallback);
    const form = new FormData();
    form.set('file', 'x');
    await f(`${base}files.upload`, { method: 'POST', body: form });
    await f(`${base}other`, { method: 'GET', redirect: 'follow' });
    expect(asked).toEqual([`${base}files.upload form`, `${base}other follow`]);
  });
});
