/**
 * Conformance bundles reused as unit-test fixtures (real public-good bundles whose identity,
 * artifact and root are known), from test/fixtures/conformance. Tests that need them skip, with a
 * printed reason, when the folder is missing; in CI they fail.
 */
import { loadCases, whyCasesUnavailable, type ConformanceCase } from "../../conformance/cases.js";

export const fixturesUnavailable = whyCasesUnavailable();

let cached: Map<string, ConformanceCase> | undefined;

/** A conformance case by name (its bundle is a fresh deep copy, safe to mutate). */
export function fixture(name: string): ConformanceCase {
  cached ??= new Map(loadCases().map((c) => [c.name, c]));
  const c = cached.get(name);
  if (!c) throw new Error(`no conformance case ${name}`);
  return { ...c, bundle: structuredClone(c.bundle), trustedRoot: structuredClone(c.trustedRoot) };
}

/** The certificate-signed message-signature bundle (v0.3) against the public-good root. */
export const MESSAGE_CASE = "happy-path-v0.3";
/** The certificate-signed DSSE (in-toto) bundle against the public-good root. */
export const DSSE_CASE = "happy-path-intoto-in-dsse-v3";
/** A Rekor v2 bundle with an RFC 3161 timestamp and its own trusted root. */
export const REKOR2_CASE = "rekor2-happy-path";
/** A key-signed bundle (no certificate). */
export const KEY_CASE = "managed-key-happy-path";
