/**
 * Who is who between the bot and the collectors: one URI SAN per certificate,
 * SPIFFE-shaped.
 *
 *   spiffe://whystuck/bot                 the bot (the only client of Watch and Remediate; Snapshot too)
 *   spiffe://whystuck/reader              read-only clients (the kubectl plugin): Snapshot only, never
 *                                         Watch or Remediate (the collector's --reader-identity)
 *   spiffe://whystuck/node/NAME           the collector of Kubernetes node NAME (`whystuck certs`, configured collectors)
 *   spiffe://whystuck/ns/NS/pod/POD       the collector pod POD in namespace NS (production: cert-manager's
 *                                         csi-driver issues it to that pod); the bot takes it for node N only
 *                                         when the Kubernetes API places that pod on N (spec.nodeName)
 *
 * Authorisation looks at exactly one thing: the certificate's URI SANs, of
 * which there must be exactly one, compared for equality. CN and DNS names are
 * never consulted (any certificate from the CA may carry any CN).
 */
export const TRUST_DOMAIN = 'whystuck';
export const BOT_IDENTITY = `spiffe://${TRUST_DOMAIN}/bot`;
/** Read-only callers (the kubectl plugin): a collector lets this identity take snapshots and nothing else. */
export const READER_IDENTITY = `spiffe://${TRUST_DOMAIN}/reader`;
const NODE_PREFIX = `spiffe://${TRUST_DOMAIN}/node/`;

/** A Kubernetes node name (RFC 1123 subdomain, lowercase). */
export const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isNodeName(name: string): boolean {
  return name.length <= 253 && NODE_NAME.test(name);
}

/** The identity of the collector serving node `node`. */
export function nodeIdentity(node: string): string {
  if (!isNodeName(node)) throw new Error(`"${node}" is not a Kubernetes node name`);
  return `${NODE_PREFIX}${node}`;
}

const POD_PREFIX = `spiffe://${TRUST_DOMAIN}/ns/`;
/** A namespace name (RFC 1123 label). */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The identity of collector pod `pod` in namespace `namespace`, as cert-manager's csi-driver issues it (uri-sans spiffe://whystuck/ns/${POD_NAMESPACE}/pod/${POD_NAME}). */
export function podIdentity(namespace: string, pod: string): string {
  if (!NAMESPACE_NAME.test(namespace)) throw new Error(`"${namespace}" is not a Kubernetes namespace name`);
  if (!isNodeName(pod)) throw new Error(`"${pod}" is not a Kubernetes pod name`);
  return `${POD_PREFIX}${namespace}/pod/${pod}`;
}

/** The pod named by a collector pod identity, or undefined. */
export function podOfIdentity(uri: string): { namespace: string; pod: string } | undefined {
  const m = /^([^/]+)\/pod\/([^/]+)$/.exec(uri.startsWith(POD_PREFIX) ? uri.slice(POD_PREFIX.length) : '');
  return m && NAMESPACE_NAME.test(m[1]) && isNodeName(m[2]) ? { namespace: m[1], pod: m[2] } : undefined;
}

/** The node named by a collector identity, or undefined. */
export function nodeOfIdentity(uri: string): string | undefined {
  if (!uri.startsWith(NODE_PREFIX)) return undefined;
  const node = uri.slice(NODE_PREFIX.length);
  return isNodeName(node) ? node : undefined;
}

export interface SanEntry {
  type: string;
  value: string;
}

/**
 * Node's `subjectaltname` string ("DNS:a, URI:spiffe://…, IP Address:…") as
 * entries. Node quotes a value that contains a comma, a quote or a control
 * character as a JSON string (CVE-2021-44532): a value like
 * `x, URI:spiffe://whystuck/bot` is one entry, never two. Anything that does
 * not parse makes the whole list unusable (null): refuse rather than guess.
 */
export function parseSubjectAltName(text: string | undefined): SanEntry[] | null {
  if (!text) return [];
  const out: SanEntry[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) return null;
    const type = text.slice(i, colon);
    if (!/^[A-Za-z ]+$/.test(type)) return null;
    i = colon + 1;
    let value: string;
    if (text[i] === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return null;
      try {
        value = JSON.parse(text.slice(i, j + 1)) as string;
      } catch {
        return null;
      }
      i = j + 1;
    } else {
      const end = text.indexOf(', ', i);
      value = text.slice(i, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
    }
    out.push({ type, value });
    if (i < text.length) {
      if (!text.startsWith(', ', i)) return null;
      i += 2;
    }
  }
  return out;
}

/** The URI SANs of a certificate (null when its SAN list could not be read). */
export function uriSans(cert: { subjectaltname?: string } | undefined): string[] | null {
  const entries = parseSubjectAltName(cert?.subjectaltname);
  return entries && entries.filter((e) => e.type === 'URI').map((e) => e.value);
}

export type IdentityCheck = { ok: true; identity: string } | { ok: false; reason: string; presented: string[] };

/**
 * Whether a certificate's one URI SAN is exactly `expected` — or, given a
 * list, exactly one of its entries (the bot accepts node N's collector as
 * N's node identity or as the identity of the collector pod the Kubernetes
 * API places on N). Equality only: no prefixes, no patterns.
 */
export function checkIdentity(cert: { subjectaltname?: string } | undefined, expected: string | readonly string[]): IdentityCheck {
  const accepted = typeof expected === 'string' ? [expected] : expected;
  if (!cert || Object.keys(cert).length === 0) return { ok: false, reason: 'no certificate was presented', presented: [] };
  const uris = uriSans(cert);
  if (uris === null) return { ok: false, reason: `its subject alternative names could not be read (${JSON.stringify(cert.subjectaltname)})`, presented: [] };
  if (uris.length === 0) return { ok: false, reason: 'its certificate has no URI SAN identity', presented: [] };
  if (uris.length > 1) return { ok: false, reason: `its certificate has ${uris.length} URI SANs (${uris.join(', ')}); an identity certificate carries exactly one`, presented: uris };
  if (!accepted.includes(uris[0])) return { ok: false, reason: `its certificate is ${uris[0]}, not ${accepted.join(' or ') || 'an accepted identity'}`, presented: uris };
  return { ok: true, identity: uris[0] };
}
