import * as http from 'node:http';
import * as https from 'node:https';
import type { FetchFunction } from '@slack/web-api';

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/** Responses larger than this are refused: the Web API's answers are a few kilobytes (history pages a few hundred). */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * The `fetch` the Web API client sends through: a request with a string body
 * (or none) over node:http(s) with keep-alive agents, answered with what
 * WebClient reads of a response (status, headers, text, json, arrayBuffer,
 * url). Node's own fetch cost 0.6–1 ms more CPU per request here than this,
 * and a question makes two or three requests. Anything else — a FormData
 * body (file uploads), a redirect to follow — goes to `fallback`, the
 * global fetch. Redirects are never followed here: WebClient asks for
 * `redirect: 'error'`, and a 3xx with 'manual' is handed back as is.
 */
export function httpFetch(fallback: FetchFunction = globalThis.fetch as unknown as FetchFunction): FetchFunction {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  return (input, init = {}) => {
    const url = typeof input === 'string' ? new URL(input) : input;
    const body = init.body;
    if ((body !== undefined && typeof body !== 'string') || init.redirect === 'follow' || (url.protocol !== 'http:' && url.protocol !== 'https:')) return fallback(input, init);
    return new Promise<FetchResponse>((resolve, reject) => {
      const signal = init.signal;
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const headers: Record<string, string | number> = { ...(init.headers ?? {}) };
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      const send = url.protocol === 'https:' ? https.request : http.request;
      const req = send(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol as 'http:' | 'https:'] }, (res) => {
        const status = res.statusCode ?? 0;
        if (init.redirect === 'error' && status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          reject(new TypeError(`redirect to ${res.headers.location} refused (redirect: 'error')`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy(new Error(`response from ${url.host} larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const heads = Object.entries(res.headers).map(([k, v]): [string, string] => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]);
          const byName = new Map(heads);
          resolve({
            ok: status >= 200 && status < 300,
            status,
            statusText: res.statusMessage ?? '',
            url: url.toString(),
            headers: { get: (name: string) => byName.get(name.toLowerCase()) ?? null, entries: () => heads[Symbol.iterator]() },
            text: async () => bytes.toString('utf8'),
            json: async () => JSON.parse(bytes.toString('utf8')) as unknown,
            arrayBuffer: async () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
          });
        });
      });
      req.on('error', reject);
      if (signal) {
        const onAbort = (): void => {
          req.destroy(abortError(signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        req.on('close', () => signal.removeEventListener('abort', onAbort));
      }
      req.end(body);
    });
  };
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}
