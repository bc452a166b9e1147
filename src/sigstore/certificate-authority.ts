/**
 * The certificate authority port: issues the short-lived code-signing certificates the service
 * signs under (Fulcio's role). The embedded CA (`embedded/ca.ts`) issues them in-process from its
 * own intermediate; the external adapter (`external/fulcio.ts`) asks an upstream Fulcio with the
 * service's OIDC token and a CSR as proof of possession.
 *
 * Contract:
 * - `certify` resolves with a leaf whose SAN is `identity` and whose Fulcio issuer extension is
 *   `issuer`; an adapter that cannot obtain exactly that (an upstream certifying another identity)
 *   rejects with `UnavailableError`, never returns a different certificate.
 * - `InvalidArgumentError` for a key or identity the CA refuses (field named); `UnavailableError`
 *   (component `fulcio`) when the CA cannot issue now — retrying later may work.
 * - Nothing is stored: a certificate lives for minutes and the caller renews it (see
 *   `embedded/service-identity.ts`); the CA's own chain is part of the trust root, not of this port.
 *
 * This file imports nothing from its adapters; they import it.
 */

/** A request for a leaf certificate. */
export interface CertificateRequest {
  /** The key to certify, SubjectPublicKeyInfo DER. */
  readonly publicKey: Uint8Array;
  /**
   * PKCS#10 CSR (PEM) over that key, signed with its private key: the proof of possession an
   * upstream Fulcio requires. An in-process CA, which is handed the key by its own holder, may
   * ignore it.
   */
  readonly csrPem?: string;
  /** The SAN: an email address or a URI. */
  readonly identity: string;
  /** The OIDC issuer written into the certificate. */
  readonly issuer: string;
  /**
   * Start of validity before the CA's back-dating (the requester's clock); default the CA's now.
   * An upstream CA decides validity itself and ignores it.
   */
  readonly notBefore?: Date;
}

/** An issued leaf certificate. */
export interface IssuedCertificate {
  readonly certificatePem: string;
  /** When the certificate stops being valid. */
  readonly notAfter: Date;
}

/** The certificate authority port. */
export interface CertificateAuthority {
  certify(request: CertificateRequest): Promise<IssuedCertificate>;
}
