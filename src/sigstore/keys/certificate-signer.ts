/**
 * Issues X.509 certificates (via @peculiar/x509) signed by a {@link KeySigner}.
 *
 * @peculiar/x509 signs through a WebCrypto `subtle.sign` with a `CryptoKey`. We hand it a crypto
 * object whose `sign` calls the KeySigner instead, so the CA and TSA keys never have to be
 * WebCrypto keys: a KMS or PKCS#11 signer plugs in unchanged. WebCrypto ECDSA signatures are
 * IEEE P1363 (r ‖ s) while KeySigner returns DER, hence the conversion below.
 */
import "reflect-metadata";
import type { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { X509Certificate as SigstoreCertificate } from "@sigstore/core";
import { TrustError } from "../../errors.js";
import type { KeySigner } from "./key-signer.js";
import { survivesSigstoreReencoding } from "./sigstore-der.js";

/** Byte length of a P-256 scalar (r and s each, in P1363 form). */
const P256_SCALAR_BYTES = 32;
/** Attempts to draw a serial number whose certificate survives @sigstore/core's re-encoding. */
const MAX_ATTEMPTS = 4;

/** What a certificate says; the issuer's key signs it. */
export interface CertificateTemplate {
  /** Distinguished name in RFC 4514 form (`CN=…, O=…`); omitted or empty for an empty subject. */
  subject?: string;
  /** Issuer name; pass the issuer certificate's `subjectName` so the bytes match exactly. */
  issuer: string | x509.Name;
  /** The certified public key, SubjectPublicKeyInfo DER. */
  publicKeySpki: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}

/**
 * Signs `template` with `issuerKey` and returns the certificate. The result is checked with
 * @sigstore/core (signature verifies under the issuer key after its re-encoding) so that a
 * certificate stock verifiers would reject never leaves this function.
 */
export async function signCertificate(template: CertificateTemplate, issuerKey: KeySigner): Promise<x509.X509Certificate> {
  const { crypto, signingKey } = webCryptoFor(issuerKey);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const certificate = await x509.X509CertificateGenerator.create(
      {
        ...(template.subject ? { subject: template.subject } : {}),
        issuer: template.issuer,
        publicKey: template.publicKeySpki,
        notBefore: template.notBefore,
        notAfter: template.notAfter,
        extensions: template.extensions,
        signingKey,
        signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } satisfies webcrypto.EcdsaParams,
      },
      crypto,
    );
    const der: Buffer<ArrayBuffer> = Buffer.from(certificate.rawData);
    if (survivesSigstoreReencoding(der) && verifiesUnder(der, issuerKey.publicKeySpki)) return certificate;
  }
  throw new TrustError("INTERNAL", `key ${issuerKey.name}: could not issue a certificate stock verifiers accept`);
}

/** RFC 5280 method 1 key identifier (SHA-1 of the subjectPublicKey bits) of an SPKI, hex: the SKI/AKI value. */
export async function keyIdentifier(spki: Uint8Array): Promise<string> {
  const id = await new x509.PublicKey(Buffer.from(spki)).getKeyIdentifier();
  return Buffer.from(id).toString("hex");
}

/** Parses a PEM or DER certificate, re-throwing parse failures as `FAILED_PRECONDITION`. */
export function parseCertificate(name: string, data: string | Uint8Array): x509.X509Certificate {
  try {
    return new x509.X509Certificate(typeof data === "string" ? data : Buffer.from(data));
  } catch {
    throw new TrustError("FAILED_PRECONDITION", `certificate ${name}: not a readable X.509 certificate`);
  }
}

function verifiesUnder(der: Buffer<ArrayBuffer>, issuerSpki: Buffer): boolean {
  try {
    const cert = SigstoreCertificate.parse(der);
    const issuerStub = { publicKey: issuerSpki } as unknown as SigstoreCertificate;
    return cert.verify(issuerStub);
  } catch {
    return false;
  }
}

/**
 * The WebCrypto types @peculiar/x509 expects. Its declarations name the DOM's `Crypto` and
 * `CryptoKey`, which a Node program without lib.dom cannot resolve; Node's own WebCrypto types
 * are the same shapes.
 */
type X509Crypto = webcrypto.Crypto;
type X509SigningKey = webcrypto.CryptoKey;

/** A WebCrypto facade whose only private-key operation is `sign` through `signer`. */
function webCryptoFor(signer: KeySigner): { crypto: X509Crypto; signingKey: X509SigningKey } {
  const real = globalThis.crypto;
  const signingKey = {
    type: "private",
    extractable: false,
    algorithm: { name: "ECDSA", namedCurve: "P-256" },
    usages: ["sign"],
  } as unknown as X509SigningKey;
  const sign = async (_algorithm: unknown, key: unknown, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer> => {
    if (key !== signingKey) throw new TypeError("unexpected signing key");
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    const p1363 = derToP1363(await signer.sign(bytes));
    return p1363.buffer.slice(p1363.byteOffset, p1363.byteOffset + p1363.byteLength) as ArrayBuffer;
  };
  const subtle = new Proxy(real.subtle, {
    get(target, property) {
      if (property === "sign") return sign;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value.bind(target) as unknown) : value;
    },
  });
  const crypto = {
    subtle,
    getRandomValues: real.getRandomValues.bind(real),
    randomUUID: real.randomUUID.bind(real),
  } as unknown as X509Crypto;
  return { crypto, signingKey };
}

/** Converts a DER ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) to P-256 P1363 form. */
export function derToP1363(der: Uint8Array): Uint8Array {
  const fail = (): never => {
    throw new TrustError("INTERNAL", "signer returned a malformed ECDSA signature");
  };
  let offset = 0;
  const readLength = (): number => {
    const first = der[offset++] ?? fail();
    if (first < 0x80) return first;
    if (first !== 0x81) fail();
    return der[offset++] ?? fail();
  };
  if (der[offset++] !== 0x30) fail();
  if (readLength() !== der.length - offset) fail();
  const out = new Uint8Array(P256_SCALAR_BYTES * 2);
  for (let i = 0; i < 2; i++) {
    if (der[offset++] !== 0x02) fail();
    const length = readLength();
    let value = der.subarray(offset, offset + length);
    if (value.length !== length) fail();
    offset += length;
    while (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (value.length > P256_SCALAR_BYTES) fail();
    out.set(value, (i + 1) * P256_SCALAR_BYTES - value.length);
  }
  if (offset !== der.length) fail();
  return out;
}
