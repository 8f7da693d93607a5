import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { invalid, type Checked } from './errors';
import { keyTypeOf } from './host-key-fingerprint';

/** One key line of an OpenSSH known_hosts file. */
export interface KnownHostEntry {
  marker: '' | '@revoked' | '@cert-authority';
  /** The host field as written: "a,b,[c]:2222", patterns, or a hashed "|1|salt|hash". */
  hosts: string;
  keyType: string;
  key: Buffer;
  line: number;
}

export interface KnownHosts {
  /** Where it came from, for messages (a file path, "the WHYSTUCK_SSH_KNOWN_HOSTS Secret"). */
  source: string;
  entries: KnownHostEntry[];
}

/**
 * Parses known_hosts text as OpenSSH writes it: plain host lists with
 * wildcards and negations, hashed `|1|` names (HashKnownHosts), `[host]:port`
 * for other ports, and @revoked / @cert-authority markers. Lines it cannot
 * read are an error naming the line, so a damaged file is never half-trusted.
 */
export function parseKnownHosts(text: string, source: string): Checked<KnownHosts> {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0].startsWith('@') ? (fields.shift() as string) : '';
    if (marker && marker !== '@revoked' && marker !== '@cert-authority') {
      return invalid('BAD_KNOWN_HOSTS', `${source} line ${i + 1}: unknown marker ${marker} (OpenSSH knows @revoked and @cert-authority)`);
    }
    const [hosts, keyType, b64] = fields;
    const key = b64 && /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : undefined;
    if (!hosts || !keyType || !key || keyTypeOf(key) !== keyType) {
      return invalid('BAD_KNOWN_HOSTS', `${source} line ${i + 1} is not a known_hosts line ("HOSTS KEYTYPE BASE64-KEY [comment]", as ssh-keyscan prints it)`);
    }
    entries.push({ marker: marker as KnownHostEntry['marker'], hosts, keyType, key, line: i + 1 });
  }
  return { ok: true, value: { source, entries } };
}

export function readKnownHostsFile(path: string): Checked<KnownHosts> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return invalid('BAD_KNOWN_HOSTS', `cannot read the known_hosts file ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code)}`);
  }
  return parseKnownHosts(text, path);
}

/** Does an entry's host field name `name` (as `knownHostsName` writes it)? */
export function entryNamesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.startsWith('|1|')) return hashedNameMatches(entry.hosts, name);
  let matched = false;
  for (const pattern of entry.hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (globMatches(negated ? pattern.slice(1) : pattern, name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function hashedNameMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (!salt || !hash) return false;
  const want = Buffer.from(hash, 'base64');
  const got = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** OpenSSH host patterns: `*` any run, `?` one character; case-insensitive. */
function globMatches(pattern: string, name: string): boolean {
  const re = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name.toLowerCase());
}
