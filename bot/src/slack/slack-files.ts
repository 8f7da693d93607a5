import { Readable } from 'node:stream';
import { formatBytes } from '../conversation/markup';
import type { WebClient } from '@slack/web-api';

/** The fields of a Slack file object the bot uses (message events carry them, files.info fills them in). */
export interface SlackFile {
  id: string;
  name?: string;
  size?: number;
  mimetype?: string;
  mode?: string;
  url_private?: string;
  url_private_download?: string;
  /** "check_file_info": the event carries a stub, files.info has the rest. */
  file_access?: string;
}

export interface FileReadOptions {
  client: WebClient;
  botToken: string;
  /** The Web API base URL in use: its host is one the token may be sent to. */
  apiUrl?: string;
  maxBytes: number;
  timeoutMs?: number;
}

/** A file the bot will not read, with the sentence that says why. */
export class FileRefused extends Error {
  override readonly name = 'FileRefused';
}

export { formatBytes } from '../conversation/markup';

/**
 * The bot token goes only to Slack: files.slack.com and the other slack.com /
 * slack-gov.com hosts over https, or the host of the configured Web API URL
 * (GovSlack, a proxy, the tests' fake).
 */
export function mayCarryToken(url: string, apiUrl = 'https://slack.com/api/'): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.host === new URL(apiUrl).host && u.protocol === new URL(apiUrl).protocol) return true;
  return u.protocol === 'https:' && /(^|\.)slack(-gov)?\.com$/.test(u.hostname);
}

function refusalBeforeDownload(f: SlackFile, maxBytes: number, total: number): string | null {
  const name = f.name ?? f.id;
  if (f.mode === 'external') return `${name} is stored outside Slack; upload the file itself`;
  if (f.mode === 'tombstone') return `${name} was deleted`;
  if (f.mimetype && /^(image|video|audio)\/|^application\/(pdf|zip|x-tar)/.test(f.mimetype)) return `${name} is ${f.mimetype}; I read text — kernel logs, ps/top output, /proc files, crash bt`;
  if (f.size !== undefined && total + f.size > maxBytes)
    return `${name} is ${formatBytes(f.size)}${total ? ` (with the other files ${formatBytes(total + f.size)})` : ''}; I read at most ${formatBytes(maxBytes)} per message (WHYSTUCK_PASTE_MAX_BYTES). Upload the part around the incident, e.g. \`dmesg -T | tail -n 5000\``;
  return null;
}

async function complete(f: SlackFile, client: WebClient): Promise<SlackFile> {
  if (f.url_private_download || f.url_private) return f;
  const res = await client.files.info({ file: f.id });
  return { ...f, ...(res.file as SlackFile) };
}

async function open(f: SlackFile, o: FileReadOptions, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  let url = f.url_private_download ?? f.url_private ?? '';
  const name = f.name ?? f.id;
  if (!mayCarryToken(url, o.apiUrl)) throw new FileRefused(`${name} is not hosted by Slack (${hostOf(url)}); I only send my token to Slack`);
  // Redirects are followed by hand, so the token never follows one off Slack's hosts.
  for (let hops = 0; ; hops++) {
    const res = await fetch(url, { headers: mayCarryToken(url, o.apiUrl) ? { authorization: `Bearer ${o.botToken}` } : {}, redirect: 'manual', signal });
    const next = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && next && hops < 3) {
      await res.body?.cancel();
      url = new URL(next, url).toString();
      continue;
    }
    if (res.status !== 200 || !res.body) throw new FileRefused(`Slack answered ${res.status} for ${name}${res.status === 403 ? ': the bot needs the files:read scope' : ''}`);
    if ((res.headers.get('content-type') ?? '').includes('text/html'))
      throw new FileRefused(`Slack sent a web page instead of ${name}: the bot token lacks the files:read scope (reinstall the app with it)`);
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }
}

const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return 'no URL';
  }
};

/**
 * The files of one message as one text stream (read in order, like one paste
 * of several outputs), downloaded with the bot token. Sizes are checked before
 * downloading and counted while reading: past `maxBytes` the stream fails with
 * FileRefused, whatever the metadata claimed.
 */
export async function openSlackFiles(files: SlackFile[], o: FileReadOptions): Promise<Readable> {
  return (await prepareSlackFiles(files, o))();
}

/**
 * openSlackFiles in two steps: the metadata is completed (files.info) and
 * checked now (a file refused is refused at once); the returned function opens
 * the stream, and only then do the download and its timeout start — a paste
 * waiting for an analysis slot holds no download.
 */
export async function prepareSlackFiles(files: SlackFile[], o: FileReadOptions): Promise<() => Readable> {
  const complete_ = await Promise.all(files.map((f) => complete(f, o.client)));
  let planned = 0;
  for (const f of complete_) {
    const why = refusalBeforeDownload(f, o.maxBytes, planned);
    if (why) throw new FileRefused(why);
    planned += f.size ?? 0;
  }
  return () => streamFiles(complete_, o);
}

function streamFiles(complete_: SlackFile[], o: FileReadOptions): Readable {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), o.timeoutMs ?? 60_000);
  timer.unref();
  async function* chunks(): AsyncGenerator<Buffer> {
    let read = 0;
    try {
      for (const f of complete_) {
        for await (const chunk of await open(f, o, abort.signal)) {
          read += chunk.byteLength;
          if (read > o.maxBytes) {
            abort.abort();
            throw new FileRefused(
              `${f.name ?? f.id} is larger than ${formatBytes(o.maxBytes)}, the most I read per message (WHYSTUCK_PASTE_MAX_BYTES). Upload the part around the incident, e.g. \`dmesg -T | tail -n 5000\``,
            );
          }
          yield Buffer.from(chunk);
        }
        yield Buffer.from('\n');
      }
    } finally {
      clearTimeout(timer);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
