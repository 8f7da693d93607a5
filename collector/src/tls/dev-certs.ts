import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/**
 * A development PKI for mutual TLS between bot and collectors: one CA, and
 * certificates it signs. Keys come from Node's crypto (fast, native);
 * node-forge only assembles and signs the X.509 structures.
 */
export interface IssuedCert {
  cert: string;
  key: string;
}

export interface CertAuthority extends IssuedCert {
  /**
   * `uris`: URI SANs — the identity (identity.ts): spiffe://whystuck/bot, spiffe://whystuck/reader
   * (read-only, client only), spiffe://whystuck/node/NAME. `server`/`client`: the extended key usages.
   */
  issue(opts: { commonName: string; dnsNames?: string[]; ipAddresses?: string[]; uris?: string[]; server?: boolean; client?: boolean; days?: number }): IssuedCert;
}

function newKeyPair(): { privatePem: string; publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const fk = forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey;
  return { privatePem, privateKey: fk, publicKey: forge.pki.setRsaPublicKey(fk.n, fk.e) };
}

function baseCert(publicKey: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  return cert;
}

export function createCertAuthority(commonName = 'whystuck development CA', days = 365): CertAuthority {
  const caKeys = newKeyPair();
  const caCert = baseCert(caKeys.publicKey, days);
  const caSubject = [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'whystuck' },
  ];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }, { name: 'subjectKeyIdentifier' }]);
  caCert.sign(caKeys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return authority(caCert, caKeys.privateKey, caKeys.privatePem, days);
}

/** A CA from its PEM files (an RSA key), to issue more certificates later (`whystuck certs --add-nodes`). */
export function loadCertAuthority(certPem: string, keyPem: string, days = 365): CertAuthority {
  return authority(forge.pki.certificateFromPem(certPem), forge.pki.privateKeyFromPem(keyPem), keyPem, days);
}

function authority(caCert: forge.pki.Certificate, caKey: forge.pki.PrivateKey, caKeyPem: string, days: number): CertAuthority {
  const caKeys = { privateKey: caKey };
  return {
    cert: forge.pki.certificateToPem(caCert),
    key: caKeyPem,
    issue({ commonName: cn, dnsNames = [], ipAddresses = [], uris = [], server = true, client = true, days: d = days }) {
      const keys = newKeyPair();
      const cert = baseCert(keys.publicKey, d);
      cert.setSubject([
        { name: 'commonName', value: cn },
        { name: 'organizationName', value: 'whystuck' },
      ]);
      cert.setIssuer(caCert.subject.attributes);
      const altNames = [...uris.map((value) => ({ type: 6, value })), ...dnsNames.map((value) => ({ type: 2, value })), ...ipAddresses.map((ip) => ({ type: 7, ip }))];
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: server, clientAuth: client },
        ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
      ]);
      cert.sign(caKeys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
      return { cert: forge.pki.certificateToPem(cert), key: keys.privatePem };
    },
  };
}
