import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Button values carry a signed, expiring token bound to what the button does:
 * node, pid, start time, comm, signal. A forged or altered value fails the MAC;
 * an old one fails the expiry; the id lets the store refuse a replay.
 */
export interface ActionClaims {
  id: string;
  node: string;
  pid: number;
  startTime: number;
  comm: string;
  signal: 'SIGKILL' | 'SIGTERM' | 'SIGCONT';
  podUid?: string;
  /** The pod's namespace, when the diagnosis knew it: a protected namespace is refused at the click too. */
  podNamespace?: string;
  findingId: string;
  /** The path the diagnosis came by and the signal goes: the collector (absent) or SSH. */
  via?: 'ssh';
  /** Unix ms after which the action is refused. */
  exp: number;
}

export type TokenCheck = { status: 'ok'; claims: ActionClaims } | { status: 'forged' | 'expired' | 'malformed'; message: string };

const b64 = (b: Buffer): string => b.toString('base64url');

export function signAction(secret: string, claims: Omit<ActionClaims, 'id' | 'exp'>, ttlMs: number, now = Date.now()): string {
  const full: ActionClaims = { ...claims, id: b64(randomBytes(12)), exp: now + ttlMs };
  const body = b64(Buffer.from(JSON.stringify(full)));
  return `${body}.${b64(createHmac('sha256', secret).update(body).digest())}`;
}

export function verifyAction(secret: string, token: string, now = Date.now()): TokenCheck {
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined) return { status: 'malformed', message: 'this button carries no valid action' };
  const want = createHmac('sha256', secret).update(body).digest();
  const got = Buffer.from(mac, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { status: 'forged', message: 'this action was not issued by whystuck (signature mismatch)' };
  let claims: ActionClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ActionClaims;
  } catch {
    return { status: 'malformed', message: 'this button carries no valid action' };
  }
  if (typeof claims.exp !== 'number' || now > claims.exp) return { status: 'expired', message: 'this button has expired: press Recheck for a fresh diagnosis and fresh buttons' };
  return { status: 'ok', claims };
}
