/**
 * The timestamp authority port: RFC 3161 timestamps over the service's signatures. The embedded
 * TSA (`embedded/tsa.ts`) answers in-process; the external adapter (`external/tsa.ts`) posts a
 * TimeStampReq to an upstream TSA.
 *
 * Contract:
 * - `timestamp(data)` resolves with a granted DER `TimeStampResp` (RFC 3161 §2.4.2) whose
 *   message imprint is SHA-256 of `data` (for a bundle: the signature bytes) and which includes
 *   the TSA certificate, ready to be a bundle's `signedTimestamp`. It resolves only when granted: a rejection status becomes `UnavailableError`
 *   (component `tsa`), as does an unreachable or misbehaving upstream.
 * - Nothing is stored; the token lives in the bundle.
 *
 * This file imports nothing from its adapters; they import it.
 */

/** The timestamp authority port. */
export interface TimestampAuthority {
  timestamp(data: Uint8Array): Promise<Buffer>;
}
