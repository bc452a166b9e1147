/**
 * Which callers may have which in-toto predicate types signed (caller attestations, `Sign` with a
 * `statement`). A policy without rules lets nobody: signing a caller's claim with the service's
 * identity is a grant, not a default. In the policy file:
 *
 *   attestations:
 *     - callers: ["apikey:assurance#*", "oidc:ci@https://issuer.example"]   # "*" matches any run of characters
 *       predicateTypes: ["https://slsa.dev/provenance/v1"]
 *
 * A caller is matched on its id (see auth/caller.ts: `apikey:<name>#<id>`, `oidc:<sub>@<iss>`,
 * `mtls:<SAN or CN>`, `anonymous`). Predicate types match exactly.
 */

/** One grant: these callers may have these predicate types signed. */
export interface AttestationRule {
  /** Caller-id patterns; `*` matches any run of characters, everything else matches itself. */
  callers: string[];
  /** Exact predicate types. */
  predicateTypes: string[];
}

/** Most rules, patterns and types one policy may hold (a policy file is trusted, but bounded). */
export const MAX_ATTESTATION_RULES = 256;
export const MAX_RULE_ENTRIES = 256;

/** Parses the `attestations` value of one policy; returns a problem string for the loader to place. */
export function parseAttestationRules(raw: unknown): AttestationRule[] | { problem: string; index?: number } {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return { problem: "attestations must be a list of {callers, predicateTypes}" };
  if (raw.length > MAX_ATTESTATION_RULES) return { problem: `attestations has ${raw.length} rules; at most ${MAX_ATTESTATION_RULES}` };
  const out: AttestationRule[] = [];
  for (const [index, item] of raw.entries()) {
    if (typeof item !== "object" || item === null || Array.isArray(item))
      return { problem: "each attestations rule must be a mapping with callers and predicateTypes", index };
    const r = item as Record<string, unknown>;
    for (const k of Object.keys(r))
      if (k !== "callers" && k !== "predicateTypes") return { problem: `unknown key "${k}" in an attestations rule; expected callers, predicateTypes`, index };
    const callers = r["callers"];
    if (!isRuleList(callers)) return { problem: ruleListProblem("callers"), index };
    const predicateTypes = r["predicateTypes"];
    if (!isRuleList(predicateTypes)) return { problem: ruleListProblem("predicateTypes"), index };
    out.push({ callers, predicateTypes });
  }
  return out;
}

/** A non-empty list (at most MAX_RULE_ENTRIES) of non-empty strings of at most 512 characters. */
function isRuleList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.length <= MAX_RULE_ENTRIES && v.every((s) => typeof s === "string" && s.length > 0 && s.length <= 512);
}

function ruleListProblem(key: string): string {
  return `${key} must be a non-empty list (at most ${MAX_RULE_ENTRIES}) of non-empty strings of at most 512 characters`;
}

/** True when `caller` matches `pattern` (`*` is any run of characters; no other metacharacters). */
export function callerMatches(pattern: string, caller: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === caller;
  // Greedy-free linear match: the first part is a prefix, the last a suffix, the middle in order.
  // split() returns at least one part; here at least two.
  const first = parts[0] ?? "";
  const last = parts.at(-1) ?? "";
  if (!caller.startsWith(first) || caller.length < first.length + last.length || !caller.endsWith(last)) return false;
  let at = first.length;
  const end = caller.length - last.length;
  for (const mid of parts.slice(1, -1)) {
    const found = caller.indexOf(mid, at);
    if (found < 0 || found + mid.length > end) return false;
    at = found + mid.length;
  }
  return true;
}

/** The decision on one caller attestation: allowed, or the reason it is not. */
export type AttestationDecision = { allowed: true } | { allowed: false; reason: string };

/** Whether `caller` may have `predicateType` signed under `policyName`'s rules. */
export function decideAttestation(policyName: string, rules: readonly AttestationRule[], caller: string, predicateType: string): AttestationDecision {
  const forCaller = rules.filter((r) => r.callers.some((p) => callerMatches(p, caller)));
  if (forCaller.some((r) => r.predicateTypes.includes(predicateType))) return { allowed: true };
  const types = [...new Set(forCaller.flatMap((r) => r.predicateTypes))];
  return {
    allowed: false,
    reason:
      types.length === 0
        ? `policy "${policyName}" lets caller "${caller}" have no predicate type signed (predicate type "${predicateType}")`
        : `policy "${policyName}" does not let caller "${caller}" have predicate type "${predicateType}" signed; allowed: ${types.join(", ")}`,
  };
}
