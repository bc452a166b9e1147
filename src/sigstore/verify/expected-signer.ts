/**
 * Validates what a caller expects of the signer, once per request, before any bundle is looked at.
 *
 * A request that expects nothing would accept any signature from anyone the trusted root's CA
 * certified: that is a caller's mistake (invalid argument), not a verdict, and never "verified".
 */
import { InvalidArgumentError } from "../../errors.js";
import { anchoredRegExp, type IdentityPolicy } from "./identity.js";
import type { SubjectPattern } from "./subject-pattern.js";
import { parseExpectedKey, type ExpectedKey } from "./public-key.js";
import type { ExpectedSigner } from "./types.js";

/** The expectation in usable form: a certificate identity, or a public key (maybe unparsable). */
export type SignerExpectation =
  { readonly kind: "identity"; readonly policy: IdentityPolicy } | { readonly kind: "key"; readonly key: ExpectedKey | { readonly problem: string } };

function optionalString(expected: ExpectedSigner, field: keyof ExpectedSigner): string | undefined {
  const value = expected[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    throw new InvalidArgumentError(`expected.${field}`, "must be a non-empty string when given");
  }
  return value;
}

/**
 * @throws InvalidArgumentError when the expectation is missing, contradictory or not compilable
 */
export function toSignerExpectation(expected: ExpectedSigner): SignerExpectation {
  // Callers in JavaScript can pass anything: check before reading.
  const given: unknown = expected;
  if (typeof given !== "object" || given === null) throw new InvalidArgumentError("expected", "must be an object");
  const subject = optionalString(expected, "subject");
  const subjectRegexp = optionalString(expected, "subjectRegexp");
  const issuer = optionalString(expected, "issuer");
  const publicKey = optionalString(expected, "publicKey");
  if (publicKey !== undefined) {
    if (subject !== undefined || subjectRegexp !== undefined || issuer !== undefined) {
      throw new InvalidArgumentError("expected", "give publicKey or a certificate identity (subject/subjectRegexp, issuer), not both");
    }
    return { kind: "key", key: parseExpectedKey(publicKey) };
  }
  if (subject !== undefined && subjectRegexp !== undefined) {
    throw new InvalidArgumentError("expected", "give subject or subjectRegexp, not both");
  }
  if (subject === undefined && subjectRegexp === undefined) {
    throw new InvalidArgumentError(
      "expected",
      "needs subject or subjectRegexp (with issuer) or publicKey; an issuer alone would accept anyone that issuer vouches for",
    );
  }
  const policy: { subject?: string; subjectPattern?: SubjectPattern; subjectRegexp?: string; issuer?: string } = {};
  if (subject !== undefined) policy.subject = subject;
  if (subjectRegexp !== undefined) {
    policy.subjectPattern = anchoredRegExp(subjectRegexp);
    policy.subjectRegexp = subjectRegexp;
  }
  if (issuer !== undefined) policy.issuer = issuer;
  return { kind: "identity", policy };
}
