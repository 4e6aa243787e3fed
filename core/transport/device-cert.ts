import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import { webcrypto } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** What a TLS server or client presents: PEM certificate and private key. */
export interface TlsIdentity {
  cert: string;
  key: string;
}

let made: Promise<TlsIdentity> | null = null;

/**
 * This process's TLS certificate: self-signed, ECDSA P-256, made at start. It is not the
 * device's identity and nobody checks it: TLS gives the link its encryption, and the
 * device proves who it is inside, by signing the link's *channel binding* with its Ed25519
 * device key (the `proof` frame). The binding is keying material exported from this one
 * TLS session (RFC 5705, as RFC 9266's tls-exporter): both ends of a session compute the
 * same value, and a relay in the middle — two sessions — cannot make a proof from one
 * session count on the other. Why not the device key as the certificate, as Syncthing
 * does: Electron's BoringSSL does not verify Ed25519 certificates (electron/electron#45358),
 * and P-256 works in every TLS stack.
 */
export function tlsIdentity(): Promise<TlsIdentity> {
  made ??= selfSigned();
  return made;
}

async function selfSigned(): Promise<TlsIdentity> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as {
    privateKey: webcrypto.CryptoKey;
    publicKey: webcrypto.CryptoKey;
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=baton',
    notBefore: new Date(Date.UTC(2020, 0, 1)),
    notAfter: new Date(Date.UTC(2120, 0, 1)),
    keys: keys as unknown as Parameters<
      typeof x509.X509CertificateGenerator.createSelfSigned
    >[0]['keys'],
    signingAlgorithm: alg,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const pem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key: pem };
}

/** The link's channel binding: 32 bytes exported from its TLS session (base64), or null. */
export function channelBinding(socket: unknown): string | null {
  const tls = socket as Partial<TLSSocket> | null;
  if (!tls?.exportKeyingMaterial || !tls.encrypted) return null;
  try {
    return tls.exportKeyingMaterial(32, 'EXPORTER-baton-link', Buffer.alloc(0)).toString('base64');
  } catch {
    return null;
  }
}
