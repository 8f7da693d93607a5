import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { utils } from 'ssh2';
import { invalid, type Checked } from './errors';
import { sha256Fingerprint } from './host-key-fingerprint';

/**
 * A private key for SSH authentication. The key material and passphrase are
 * private fields: logging, inspecting or JSON-encoding the object shows only
 * its type, public fingerprint and where it came from.
 */
export class SshPrivateKey {
  readonly #data: Buffer;
  readonly #passphrase?: string;

  constructor(
    data: Buffer,
    passphrase: string | undefined,
    readonly type: string,
    readonly fingerprint: string,
    readonly source: string,
  ) {
    this.#data = data;
    this.#passphrase = passphrase;
  }

  /** What ssh2 needs to authenticate; pass it to a connect config and nowhere else. */
  material(): { privateKey: Buffer; passphrase?: string } {
    return this.#passphrase === undefined ? { privateKey: this.#data } : { privateKey: this.#data, passphrase: this.#passphrase };
  }

  describe(): string {
    return `${this.type} key ${this.fingerprint} from ${this.source}`;
  }

  toJSON(): string {
    return `[SshPrivateKey ${this.describe()}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

/**
 * Loads a private key from its bytes: a file's contents, or the value of a
 * Kubernetes Secret (`ssh-privatekey` of a `kubernetes.io/ssh-auth` Secret).
 * OpenSSH, PEM and PuTTY formats; an encrypted key needs its passphrase.
 */
export function loadPrivateKey(data: Buffer | string, opts: { passphrase?: string; source?: string } = {}): Checked<SshPrivateKey> {
  const source = opts.source ?? 'the given key';
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
  if (bytes.length === 0) return invalid('BAD_KEY', `${source} is empty: give an SSH private key (e.g. one made with \`ssh-keygen -t ed25519 -f whystuck_ed25519\`)`);
  const parsed = utils.parseKey(bytes, opts.passphrase);
  if (parsed instanceof Error) {
    const why = parsed.message;
    if (/no passphrase/i.test(why)) return invalid('BAD_KEY', `${source} is encrypted: give its passphrase in WHYSTUCK_SSH_KEY_PASSPHRASE (the bot: in the Secret next to the key)`);
    if (/decrypt|passphrase|bad key/i.test(why) && opts.passphrase !== undefined) return invalid('BAD_KEY', `${source} could not be decrypted: the passphrase is wrong`);
    return invalid('BAD_KEY', `${source} is not an SSH private key ssh2 can read (${why}); OpenSSH, PEM and PuTTY formats work`);
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) return invalid('BAD_KEY', `${source} holds no key`);
  if (!key.isPrivateKey()) return invalid('BAD_KEY', `${source} is a public key: give the private key (the file without .pub)`);
  const fingerprint = sha256Fingerprint(key.getPublicSSH());
  return { ok: true, value: new SshPrivateKey(bytes, opts.passphrase, key.type, fingerprint, source) };
}

/** Loads a private key file; the message names the file and what is wrong, never its contents. */
export function loadPrivateKeyFile(path: string, opts: { passphrase?: string } = {}): Checked<SshPrivateKey> {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code);
    return invalid('BAD_KEY', `cannot read the SSH key ${path}: ${why}`);
  }
  return loadPrivateKey(data, { ...opts, source: path });
}
