/**
 * A signing key the service holds: the CA keys, the log key, the TSA key.
 *
 * Kept as a small interface so that a KMS or PKCS#11 signer can replace the file signer without
 * touching the CA, the log or the TSA. Implementations never expose the private key.
 */
export interface KeySigner {
  /** What the key is for, used in errors and logs (never key material). */
  readonly name: string;
  /** The public key as DER SubjectPublicKeyInfo. */
  readonly publicKeySpki: Buffer;
  /** The public key as PEM ("-----BEGIN PUBLIC KEY-----"). */
  readonly publicKeyPem: string;
  /**
   * Signs `data` with ECDSA P-256 over SHA-256 and returns the DER-encoded signature.
   * Asynchronous because a remote signer (KMS, HSM) is; the file signer resolves at once.
   */
  sign(data: Uint8Array): Promise<Buffer>;
}
