/**
 * Which signer policy an upload tier is judged by. The policy file may define
 * `certus-upload-verified` and `certus-upload-basic` (rules as for any policy: `subject` /
 * `subjectRegexp` with `issuer` for keyless signatures, `publicKey` — with the `subject` the key
 * belongs to — for `cosign sign-blob --key`). Without them the built-in rules apply: `verified`
 * requires {@link DEFAULT_ASSURANCE_IDENTITY} with a certificate from this service's CA; `basic`
 * accepts any identity with a certificate from this service's CA. Keys are only ever trusted when
 * the policy file names them.
 */
import { NotFoundError } from "../errors.js";
import type { Policy } from "../policy/model.js";
import type { PolicyStore } from "../policy/store.js";

/** The identity Certus-Assurance signs as unless the policy file says otherwise. */
export const DEFAULT_ASSURANCE_IDENTITY = "certus-assurance@certus.cloud";

/** The upload tiers. */
export type UploadTier = "basic" | "verified";

/** The policy name consulted for each tier. */
export const TIER_POLICY_NAMES: Readonly<Record<UploadTier, string>> = {
  verified: "certus-upload-verified",
  basic: "certus-upload-basic",
};

const BUILT_IN: Readonly<Record<UploadTier, Policy>> = {
  verified: {
    name: TIER_POLICY_NAMES.verified,
    version: "built-in",
    mode: "enforce",
    match: "any-of",
    innerSigners: [{ subject: DEFAULT_ASSURANCE_IDENTITY, trustRoot: { kind: "service" } }],
    description: `built-in: the inner signer must be ${DEFAULT_ASSURANCE_IDENTITY} with a certificate from this service's CA`,
  },
  basic: {
    name: TIER_POLICY_NAMES.basic,
    version: "built-in",
    mode: "enforce",
    match: "any-of",
    innerSigners: [{ subjectRegexp: ".+", trustRoot: { kind: "service" } }],
    description: "built-in: any signer with a certificate from this service's CA",
  },
};

/** The policy for `tier`: the policy file's, or the built-in one. */
export function policyForTier(policies: PolicyStore, tier: UploadTier): Policy {
  try {
    return policies.get(TIER_POLICY_NAMES[tier]);
  } catch (err) {
    if (err instanceof NotFoundError) return BUILT_IN[tier];
    throw err;
  }
}
