import { checkIdentity } from '../tls/identity';

/** Which RPCs need which caller. */
export type Rpc = 'Snapshot' | 'Watch' | 'Remediate' | 'Health';

export type CallerVerdict = { ok: true; identity: string } | { ok: false; message: string; presented: string[] };

interface HasAuthContext {
  getAuthContext(): unknown;
}

/**
 * Who may call what:
 * - Snapshot, Watch and Remediate: the bot — a client certificate whose
 *   one URI SAN is exactly `botIdentity`. CN and DNS SANs are never looked at.
 * - Snapshot also: the read-only identity `readerIdentity` (the kubectl
 *   plugin's, spiffe://whystuck/reader by default; '' or undefined: none).
 *   Watch and Remediate refuse it like any other caller that is not the bot:
 *   holding the reader's key lets one read a node, never signal on it.
 * - Health: any client whose certificate chains to the CA (the TLS handshake
 *   already required that): the kubelet's probe runs with the collector's own
 *   certificate, and Health tells nothing about the node's tasks.
 * - On a plaintext listener (--insecure, which the collector allows only on a
 *   loopback address) there is no identity: reads are open to local users, as
 *   /proc mostly is, and Remediate is refused.
 */
export function authoriseCaller(call: HasAuthContext, rpc: Rpc, botIdentity: string, plaintext: boolean, readerIdentity?: string): CallerVerdict {
  if (rpc === 'Health') return { ok: true, identity: '' };
  const ctx = call.getAuthContext() as { sslPeerCertificate?: { subjectaltname?: string } } | undefined;
  const cert = ctx?.sslPeerCertificate;
  if (plaintext && !cert) {
    if (rpc === 'Remediate') return { ok: false, message: `Remediate needs mutual TLS with the bot's certificate (${botIdentity}); this collector listens in plaintext (--insecure)`, presented: [] };
    return { ok: true, identity: '' };
  }
  const readers = rpc === 'Snapshot' && readerIdentity && readerIdentity !== botIdentity ? [readerIdentity] : [];
  const c = checkIdentity(cert, [botIdentity, ...readers]);
  if (c.ok) return c;
  return { ok: false, message: `only ${[botIdentity, ...readers].join(' or ')} may call ${rpc}: ${c.reason}`, presented: c.presented };
}
