/**
 * The times at which a bundle claims it was signed: a log's integrated time (vouched for by its
 * SET) and RFC 3161 timestamps. The reference verifier checks them but does not return them; the
 * result reports them (once verified), and failure codes use them to tell an expired certificate
 * from a broken chain.
 */
import type { SignedEntity } from "@sigstore/verify";

/** Where a signing time comes from. */
export type TimestampSource = "TLOG" | "RFC3161";

/** One signing time. */
export interface SigningTime {
  readonly source: TimestampSource;
  readonly time: Date;
}

/**
 * The signing times the library would count: entries with an inclusion promise (a SET; Rekor v2
 * entries have none and no integrated time) and every RFC 3161 timestamp. Unverified until the
 * library has accepted the bundle. A timestamp whose time cannot be read is skipped (the library
 * reports it).
 */
export function claimedSigningTimes(entity: SignedEntity): SigningTime[] {
  const times: SigningTime[] = [];
  for (const timestamp of entity.timestamps) {
    try {
      if (timestamp.$case === "transparency-log") {
        if (timestamp.tlogEntry.inclusionPromise) {
          times.push({ source: "TLOG", time: new Date(Number(timestamp.tlogEntry.integratedTime) * 1000) });
        }
      } else {
        times.push({ source: "RFC3161", time: timestamp.timestamp.signingTime });
      }
    } catch {
      // an unreadable RFC 3161 token; the library's own check reports it
    }
  }
  return times;
}
