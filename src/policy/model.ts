/**
 * Signer policies: named rules for who must have signed an artifact before the service adds its
 * outer signature (inner signers), and how strictly (`enforce` refuses, `warn` signs with
 * warnings). Loaded from a YAML file (see `loader.ts`); a `default` policy always exists.
 */

import type { AttestationRule } from "./attestation-rules.js";

/** Where an inner signer's bundle is verified against. */
export type TrustRootRef = { kind: "service" } | { kind: "public-good" } | { kind: "file"; path: string; json: unknown };

/** One acceptable inner signer. */
export interface SignerRule {
  /** Exact certificate SAN. */
  subject?: string;
  /** Regular expression the whole SAN must match (anchored when compiled). */
  subjectRegexp?: string;
  /** Exact OIDC issuer. */
  issuer?: string;
  /** PEM public key, for key-signed inner bundles. */
  publicKey?: string;
  trustRoot: TrustRootRef;
}

export interface Policy {
  name: string;
  /** Bumped by the author when the rules change; recorded in outer signatures. */
  version: string;
  mode: "enforce" | "warn";
  /** `any-of`: one rule satisfied is enough; `all-of`: every rule must be satisfied. */
  match: "any-of" | "all-of";
  innerSigners: SignerRule[];
  /** The identity the service signs with under this policy (must be the service's own). */
  outerIdentity?: string;
  description?: string;
  /** Which callers may have which predicate types signed (see attestation-rules.ts); none when absent. */
  attestations?: AttestationRule[];
}

export interface PolicySet {
  /** Where the policies came from (a path, or "built-in"). */
  source: string;
  policies: ReadonlyMap<string, Policy>;
}

/** The built-in policy when no file is configured: inner bundles must verify, anyone may sign. */
export const BUILT_IN_DEFAULT: Policy = Object.freeze({
  name: "default",
  version: "built-in",
  mode: "enforce",
  match: "any-of",
  innerSigners: [],
  description: "built-in: every inner bundle must verify against this service's trusted root; no signer is required",
});

export function builtInPolicySet(): PolicySet {
  return { source: "built-in", policies: new Map([["default", BUILT_IN_DEFAULT]]) };
}

/** A readable summary of a policy, for `explain_policy` and `policy check`. */
export function describePolicy(p: Policy): string {
  const rules = p.innerSigners.map((r) => {
    const who = r.subject
      ? `subject "${r.subject}"`
      : r.subjectRegexp
        ? `subject matching /^(?:${r.subjectRegexp})$/`
        : r.publicKey
          ? "the configured public key"
          : "any subject";
    const iss = r.issuer ? ` from issuer "${r.issuer}"` : "";
    const root =
      r.trustRoot.kind === "file"
        ? `trusted root ${r.trustRoot.path}`
        : r.trustRoot.kind === "public-good"
          ? "the public-good Sigstore root"
          : "this service's trusted root";
    return `  - ${who}${iss}, verified against ${root}`;
  });
  const need =
    p.innerSigners.length === 0
      ? "no inner signer is required (inner bundles given must still verify)"
      : `${p.match === "all-of" ? "every one" : "at least one"} of these inner signers is required:`;
  const attest = (p.attestations ?? []).map((a) => `  - callers ${a.callers.join(", ")} may have signed: ${a.predicateTypes.join(", ")}`);
  const attestHead = attest.length === 0 ? "no caller may have its own statements (attestations) signed" : "caller attestations:";
  return [`policy "${p.name}" (version ${p.version}, mode ${p.mode})${p.description ? `: ${p.description}` : ""}`, need, ...rules, attestHead, ...attest].join(
    "\n",
  );
}
