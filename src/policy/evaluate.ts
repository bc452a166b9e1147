/**
 * Evaluates a policy's inner-signer rules against inner bundles over one artifact: each bundle
 * must verify (cryptographically, over this artifact's digest) and the rules must be satisfied
 * (any-of or all-of). Produces the decision with reasons a person can act on.
 */
import { createHash } from "node:crypto";
import {
  publicGoodTrustedRoot,
  loadTrustedRoot,
  verifyBundle,
  type ArtifactInput,
  type TrustedRootHandle,
  type VerificationResult,
} from "../sigstore/verify/index.js";
import type { Policy, SignerRule } from "./model.js";

/** The trust roots a rule may name, resolved. */
export interface TrustRoots {
  service: TrustedRootHandle;
}

/** What was found about one inner bundle. */
export interface InnerVerdict {
  index: number;
  verified: boolean;
  /** The rules (by index) this bundle satisfies. */
  satisfies: number[];
  signer?: { subject: string; issuer?: string };
  logIndex?: string;
  /** `sha256:<hex>` of the bundle's JSON as received. */
  bundleDigest: string;
  failures: { code: string; message: string }[];
}

export interface PolicyDecision {
  allowed: boolean;
  reasons: string[];
  inner: InnerVerdict[];
}

function rootFor(rule: SignerRule, roots: TrustRoots): TrustedRootHandle {
  switch (rule.trustRoot.kind) {
    case "service":
      return roots.service;
    case "public-good":
      return publicGoodTrustedRoot();
    case "file":
      return loadTrustedRoot(rule.trustRoot.json);
  }
}

function describeRule(rule: SignerRule): string {
  const who = rule.subject ?? (rule.subjectRegexp ? `/${rule.subjectRegexp}/` : "the configured key");
  return rule.issuer ? `${who} (issuer ${rule.issuer})` : who;
}

/** What a rule expects of a bundle's signer, as the verification engine takes it. */
export function expectationOf(rule: SignerRule) {
  if (rule.publicKey) return { publicKey: rule.publicKey };
  return {
    ...(rule.subject ? { subject: rule.subject } : {}),
    ...(rule.subjectRegexp ? { subjectRegexp: rule.subjectRegexp } : {}),
    ...(rule.issuer ? { issuer: rule.issuer } : {}),
  };
}

/** Verifies one bundle under one rule. */
export function verifyUnderRule(bundle: unknown, artifact: string | ArtifactInput, rule: SignerRule, roots: TrustRoots): VerificationResult {
  // A digest (`sha256:`, `sha384:` or `sha512:`), or the bytes so that every digest a statement uses can be computed.
  return verifyBundle({
    bundle,
    artifact: typeof artifact === "string" ? { digest: artifact } : artifact,
    trustedRoot: rootFor(rule, roots),
    expected: expectationOf(rule),
  });
}

/** The rules inner bundles are judged under: the policy's, or (none) "verifies against the service's root". */
export function innerSignerRules(policy: Policy): readonly SignerRule[] {
  return policy.innerSigners.length > 0 ? policy.innerSigners : [{ subjectRegexp: ".+", trustRoot: { kind: "service" } }];
}

/**
 * Decides whether `bundles` satisfy `policy` for the artifact `digest` (`sha256:<hex>`).
 * With no rules, every bundle must still verify against the service's trusted root. `judged`
 * gives verdicts computed elsewhere (the worker pool), by bundle and rule index; without it each
 * is computed here.
 */
export function evaluateInnerSigners(
  policy: Policy,
  bundles: readonly unknown[],
  digest: string,
  roots: TrustRoots,
  judged?: (bundleIndex: number, ruleIndex: number) => VerificationResult,
): PolicyDecision {
  const rules = innerSignerRules(policy);
  const inner: InnerVerdict[] = bundles.map((bundle, index) => {
    const bundleDigest = `sha256:${createHash("sha256").update(JSON.stringify(bundle)).digest("hex")}`;
    const verdict: InnerVerdict = { index, verified: false, satisfies: [], bundleDigest, failures: [] };
    rules.forEach((rule, r) => {
      const result = judged ? judged(index, r) : verifyUnderRule(bundle, digest, rule, roots);
      if (result.signer && !verdict.signer)
        verdict.signer = { subject: result.signer.subject, ...(result.signer.issuer ? { issuer: result.signer.issuer } : {}) };
      if (result.verified) {
        verdict.verified = true;
        verdict.satisfies.push(r);
        if (result.signer) verdict.signer = { subject: result.signer.subject, ...(result.signer.issuer ? { issuer: result.signer.issuer } : {}) };
        if (result.entry) verdict.logIndex = result.entry.logIndex;
      } else if (verdict.failures.length === 0) {
        verdict.failures = result.failures.map((f) => ({ code: f.code, message: f.message }));
      }
    });
    if (verdict.verified) verdict.failures = [];
    return verdict;
  });
  const reasons: string[] = [];
  for (const v of inner) {
    if (!v.verified) {
      const why = v.failures.map((f) => `${f.code}: ${f.message}`).join("; ") || "it does not verify";
      reasons.push(`innerBundles[${v.index}]${v.signer ? ` (signed by ${v.signer.subject})` : ""} does not satisfy policy "${policy.name}": ${why}`);
    }
  }
  if (policy.innerSigners.length > 0) {
    const satisfied = new Set(inner.flatMap((v) => v.satisfies));
    const missing = policy.innerSigners.map((rule, i) => ({ rule, i })).filter(({ i }) => !satisfied.has(i));
    if (policy.match === "all-of") {
      for (const { rule } of missing) reasons.push(`policy "${policy.name}" requires an inner signature from ${describeRule(rule)}; none was given`);
    } else if (satisfied.size === 0) {
      reasons.push(`policy "${policy.name}" requires an inner signature from one of: ${policy.innerSigners.map(describeRule).join(", ")}; none was given`);
    }
  }
  return { allowed: reasons.length === 0, reasons, inner };
}
