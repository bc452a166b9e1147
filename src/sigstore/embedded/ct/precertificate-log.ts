/**
 * The port through which the CA logs precertificates (RFC 6962 §3.1 `add-pre-chain`): what the
 * CA needs from a certificate-transparency log, nothing more.
 *
 * Contract: `submit` resolves only once the entry is durable in the log (so an SCT is never handed
 * out for an entry that a crash could lose); the SCT it returns is the serialized v1
 * `SignedCertificateTimestamp` over the precertificate's TBS without the poison extension and the
 * SHA-256 of `chain[0]`'s public key. It rejects a precertificate that lacks the critical poison
 * extension or is not signed by `chain[0]`, or a chain that does not end at a root the log accepts.
 */
export interface PrecertificateLog {
  /** SHA-256 of the log key's SPKI DER (the SCT's `log_id`). */
  readonly logId: Buffer;
  /** Logs `precertificate` (DER) issued by `chain[0]` (DER, then up to a root) and returns its SCT. */
  submit(precertificate: Uint8Array, chain: readonly Uint8Array[]): Promise<Buffer>;
}
