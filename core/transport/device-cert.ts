import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import { X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { DeviceId } from '../ids';
import { type DeviceKey, deviceIdOfKey } from './device-key';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** What a TLS server or client presents: PEM certificate and private key. */
export interface TlsIdentity {
  cert: string;
  key: string;
}

const made = new WeakMap<DeviceKey, Promise<TlsIdentity>>();

/**
 * The device's TLS identity, as Syncthing does it: a self-signed X.509 certificate of the
 * device's own Ed25519 key, so the certificate a link presents in the TLS 1.3 handshake
 * *is* the device's id (the hash of that key). Nothing trusts the certificate's issuer;
 * each end derives the other's device id from the key the handshake proved, and compares
 * it with the id it expects (from discovery) or the one the other end claims.
 */
export function tlsIdentity(key: DeviceKey): Promise<TlsIdentity> {
  let p = made.get(key);
  if (!p) made.set(key, (p = selfSigned(key)));
  return p;
}

async function selfSigned(key: DeviceKey): Promise<TlsIdentity> {
  const pkcs8 = Buffer.from(key.toPkcs8(), 'base64');
  const spki = Buffer.from(key.publicKey, 'base64');
  const alg = { name: 'Ed25519' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, alg, true, ['verify']),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=baton-${key.deviceId}`,
    notBefore: new Date(Date.UTC(2020, 0, 1)),
    notAfter: new Date(Date.UTC(2120, 0, 1)),
    keys: keys as unknown as Parameters<
      typeof x509.X509CertificateGenerator.createSelfSigned
    >[0]['keys'],
    signingAlgorithm: alg,
  });
  const pem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key: pem };
}

/** The device id of a certificate the TLS handshake proved (DER), or null. */
export function deviceIdOfCert(der: Buffer | undefined): DeviceId | null {
  if (!der || der.length === 0) return null;
  try {
    const spki = new NodeX509(der).publicKey
      .export({ format: 'der', type: 'spki' })
      .toString('base64');
    return deviceIdOfKey(spki);
  } catch {
    return null;
  }
}
