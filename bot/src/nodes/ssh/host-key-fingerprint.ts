import { createHash } from 'node:crypto';

/** OpenSSH's fingerprint of a public key blob: "SHA256:" and unpadded base64. */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a public key blob starts with (an SSH string: uint32 length, then the name). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  return len > 0 && len < 64 && blob.length >= 4 + len ? blob.toString('latin1', 4, 4 + len) : '';
}

/** "ed25519" for ssh-ed25519, "ecdsa" for ecdsa-sha2-*, "rsa" for ssh-rsa: the names ssh-keyscan -t and host key files use. */
export function shortKeyType(type: string): string {
  if (type === 'ssh-ed25519') return 'ed25519';
  if (type.startsWith('ecdsa-')) return 'ecdsa';
  if (type === 'ssh-rsa') return 'rsa';
  if (type === 'ssh-dss') return 'dsa';
  return type;
}

export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
