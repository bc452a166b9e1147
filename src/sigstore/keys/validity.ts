/**
 * Validity windows of the embedded stack's keys and certificates.
 *
 * Sigstore verifiers compare whole-second times (a log's `integratedTime`, a certificate's
 * UTCTime, an RFC 3161 `genTime` we emit without fractions) with the starts of validity windows.
 * A window that starts at 10:00:00.700 excludes an entry stamped 10:00:00, made in the same second.
 * Every start is therefore truncated to the whole second and moved one more second back.
 */

/** One second, in milliseconds. */
const SECOND_MS = 1000;

/** `time` truncated to the whole second, minus one second. */
export function backdatedStart(time: Date): Date {
  return new Date(Math.floor(time.getTime() / SECOND_MS) * SECOND_MS - SECOND_MS);
}

/** `time` truncated to the whole second (for `genTime`, which @sigstore/core parses only as
 * whole seconds or with exactly three fraction digits). */
export function wholeSecond(time: Date): Date {
  return new Date(Math.floor(time.getTime() / SECOND_MS) * SECOND_MS);
}

/** `time` plus `years` calendar years (UTC). */
export function addYears(time: Date, years: number): Date {
  const result = new Date(time.getTime());
  result.setUTCFullYear(result.getUTCFullYear() + years);
  return result;
}
