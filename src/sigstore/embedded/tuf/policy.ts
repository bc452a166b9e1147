/**
 * How long each TUF role's metadata lives and when the repository re-signs it.
 *
 * Every role is re-signed once less than `renewFraction` of its lifetime is left (default: half),
 * checked every `checkIntervalMs` and before every request is answered, so a client always gets
 * metadata with at least that much time left and never an expired file. The defaults follow
 * Sigstore's public-good repository in spirit: a short-lived timestamp, a weekly snapshot and
 * long-lived targets and root.
 */

/** One day, in milliseconds. */
const DAY_MS = 24 * 60 * 60 * 1000;

/** Default lifetime of `timestamp.json`: 1 day. */
export const DEFAULT_TIMESTAMP_EXPIRY_MS = DAY_MS;
/** Default lifetime of `snapshot.json`: 7 days. */
export const DEFAULT_SNAPSHOT_EXPIRY_MS = 7 * DAY_MS;
/** Default lifetime of `targets.json`: 90 days. */
export const DEFAULT_TARGETS_EXPIRY_MS = 90 * DAY_MS;
/** Default lifetime of `root.json`: 365 days. */
export const DEFAULT_ROOT_EXPIRY_MS = 365 * DAY_MS;
/** Default share of a lifetime below which a role is re-signed: one half. */
export const DEFAULT_RENEW_FRACTION = 0.5;
/** Default interval of the renewal check: 10 minutes. */
export const DEFAULT_CHECK_INTERVAL_MS = 10 * 60 * 1000;

/** Lifetimes (ms) and the renewal rule of the TUF repository. */
export interface TufExpiryPolicy {
  readonly rootExpiryMs: number;
  readonly targetsExpiryMs: number;
  readonly snapshotExpiryMs: number;
  readonly timestampExpiryMs: number;
  /** Re-sign a role once less than this share of its lifetime is left; in (0, 1). */
  readonly renewFraction: number;
  /** How often the repository's timer checks for due renewals, in ms. */
  readonly checkIntervalMs: number;
}

/**
 * The policy with defaults filled in, checked as a whole. Throws `TypeError` (a programming or
 * configuration mistake) when a value is out of range, or when the check interval is so long that
 * the timestamp could expire between two checks.
 */
export function resolveTufPolicy(partial: Partial<TufExpiryPolicy> = {}): TufExpiryPolicy {
  const policy: TufExpiryPolicy = {
    rootExpiryMs: partial.rootExpiryMs ?? DEFAULT_ROOT_EXPIRY_MS,
    targetsExpiryMs: partial.targetsExpiryMs ?? DEFAULT_TARGETS_EXPIRY_MS,
    snapshotExpiryMs: partial.snapshotExpiryMs ?? DEFAULT_SNAPSHOT_EXPIRY_MS,
    timestampExpiryMs: partial.timestampExpiryMs ?? DEFAULT_TIMESTAMP_EXPIRY_MS,
    renewFraction: partial.renewFraction ?? DEFAULT_RENEW_FRACTION,
    checkIntervalMs: partial.checkIntervalMs ?? Math.min(DEFAULT_CHECK_INTERVAL_MS, Math.floor((partial.timestampExpiryMs ?? DEFAULT_TIMESTAMP_EXPIRY_MS) / 8)),
  };
  const problems: string[] = [];
  for (const key of ["rootExpiryMs", "targetsExpiryMs", "snapshotExpiryMs", "timestampExpiryMs", "checkIntervalMs"] as const) {
    if (!Number.isSafeInteger(policy[key]) || policy[key] < 1000) problems.push(`${key} must be an integer of at least 1000 ms`);
  }
  if (!(policy.renewFraction > 0 && policy.renewFraction < 1)) problems.push("renewFraction must be between 0 and 1");
  if (problems.length === 0 && policy.checkIntervalMs >= policy.timestampExpiryMs * policy.renewFraction) {
    problems.push("checkIntervalMs must be shorter than the renewal window of the timestamp (timestampExpiryMs × renewFraction)");
  }
  if (problems.length > 0) throw new TypeError(`invalid TUF expiry policy: ${problems.join("; ")}`);
  return policy;
}
