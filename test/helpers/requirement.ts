/**
 * What a suite does when something it needs (an outside tool, a fixture) is missing.
 *
 * Locally it skips and prints why: a developer without Go or chromium can still run the rest.
 * In CI (`CI=true`) it fails instead: CI installs every tool (scripts/setup-test-tools.mjs) and
 * has every fixture, so a missing one is a broken setup, and a suite that skipped quietly would
 * let a green run hide that the suite never ran.
 */

/** True in CI, where every requirement of the suite must be met. */
export const IN_CI = process.env["CI"] === "true";

/**
 * Returns `missing` (the reason to skip, printed once under `area`) when running locally, or
 * undefined when nothing is missing; throws in CI when something is, which fails the test file.
 *
 * Use at module level: `describe.skipIf(skipReason(...) !== undefined)(...)`.
 */
export function skipReason(area: string, missing: string | undefined): string | undefined {
  if (missing === undefined) return undefined;
  if (IN_CI) throw new Error(`[${area}] required under CI=true but missing: ${missing}`);
  console.warn(`[${area}] SKIPPED: ${missing}`);
  return missing;
}
