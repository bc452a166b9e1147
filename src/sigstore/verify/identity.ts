/**
 * Who signed, as the certificate says, and whether that is who was expected.
 *
 * `@sigstore/verify` treats a policy's `subjectAlternativeName` string as an unanchored RegExp:
 * `certus-trust@certus.cloud` would match `evil-certus-trust@certus.cloud.example` (and `.` matches
 * any character). Identity is therefore never handed to the library; it is compared here: a subject
 * exactly, a regexp against the whole SAN, an issuer exactly.
 */
import { compileSubjectPattern, SubjectPatternError, type SubjectPattern } from "./subject-pattern.js";
import type { X509Certificate } from "@sigstore/core";

/** The tag of a parsed ASN.1 element, as `@sigstore/core` exposes it. */
interface ASN1Tag {
  readonly number: number;
  isUniversal(): boolean;
  isContextSpecific(num?: number): boolean;
}
import { InvalidArgumentError } from "../../errors.js";
import { failure, quote, type VerificationFailure } from "./failures.js";
import { LruMap } from "./lru.js";

/** Fulcio's OIDC issuer extension (v2): a DER UTF8String inside the extension value. */
const OID_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";
/** subjectAltName (RFC 5280 4.2.1.6). */
const OID_SAN = "2.5.29.17";
/** The legacy issuer extension (v1): the raw bytes of the issuer URL. */
const OID_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";

/**
 * Fulcio's username SAN: an `otherName` of this type holding a UTF8String, issued for OIDC
 * providers whose identity is a user name rather than an email or URI (Fulcio's "username" type).
 */
export const OID_OTHERNAME_USERNAME = "1.3.6.1.4.1.57264.1.7";

/** The signer named by a Fulcio-style certificate. */
export interface CertificateSigner {
  /**
   * The subject alternative name: the URI, else the email, else Fulcio's otherName username;
   * empty when the certificate has none of them.
   */
  readonly subject: string;
  /** The OIDC issuer; absent when the certificate has no issuer extension. */
  readonly issuer?: string;
}

/** Reads the signer from a leaf certificate, as @sigstore/verify does (v2 issuer wins over v1). */
export function certificateSigner(cert: X509Certificate): CertificateSigner {
  const subject = cert.subjectAltName ?? otherNameUsername(cert) ?? "";
  const v2 = cert.extension(OID_ISSUER_V2);
  let issuer: string | undefined;
  if (v2) {
    issuer = v2.valueObj.subs[0]?.value.toString("utf8");
  } else {
    issuer = cert.extension(OID_ISSUER_V1)?.value.toString("utf8");
  }
  return issuer === undefined ? { subject } : { subject, issuer };
}

/** The otherName username SAN ({@link OID_OTHERNAME_USERNAME}), read as UTF-8; undefined when absent or malformed. */
export function otherNameUsername(cert: X509Certificate): string | undefined {
  try {
    // The SAN's GeneralNames (`extSubjectAltName` reads only URI and email from them).
    const names = (cert.extension(OID_SAN)?.valueObj.subs[0]?.subs ?? []) as {
      tag: ASN1Tag;
      subs: { tag: ASN1Tag; subs: { tag: ASN1Tag; value: Buffer }[]; toOID(): string }[];
    }[];
    for (const name of names) {
      // otherName ::= [0] { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }
      if (!name.tag.isContextSpecific(0x00) || name.subs[0]?.toOID() !== OID_OTHERNAME_USERNAME) continue;
      const value = name.subs[1]?.subs[0];
      // UTF8String (0x0c) is what Fulcio writes; anything else is not a username.
      if (!value?.tag.isUniversal() || value.tag.number !== 0x0c) return undefined;
      return value.value.toString("utf8");
    }
  } catch {
    // A SAN that does not parse names nobody; the chain check decides whether it is acceptable.
  }
  return undefined;
}

/** An identity expectation, compiled once per request. */
export interface IdentityPolicy {
  readonly subject?: string;
  /** Matches the whole SAN: the caller's pattern wrapped as `^(?:…)$`. */
  readonly subjectPattern?: SubjectPattern;
  /** The pattern as the caller wrote it, for messages. */
  readonly subjectRegexp?: string;
  readonly issuer?: string;
}

const compiled = new LruMap<string, SubjectPattern>(256);

/**
 * Compiles a caller's subject regexp (linear-time, see subject-pattern.ts) so that it must match
 * the whole SAN.
 * @throws InvalidArgumentError (field `expected.subjectRegexp`) when it is not a usable pattern
 */
export function anchoredRegExp(pattern: string): SubjectPattern {
  let re = compiled.get(pattern);
  if (!re) {
    try {
      re = compileSubjectPattern(pattern);
    } catch (err) {
      const reason = err instanceof SubjectPatternError ? err.reason : String(err);
      throw new InvalidArgumentError("expected.subjectRegexp", reason.startsWith("is not a valid") ? reason : `${reason}; give a simpler pattern`, {
        cause: err,
      });
    }
    compiled.set(pattern, re);
  }
  return re;
}

/** Compares the certificate's signer with the policy; returns every mismatch (subject, issuer). */
export function checkIdentity(signer: CertificateSigner, policy: IdentityPolicy): VerificationFailure[] {
  const failures: VerificationFailure[] = [];
  if (policy.subject !== undefined && signer.subject !== policy.subject) {
    failures.push(
      failure(
        "SIGNER_MISMATCH",
        signer.subject === ""
          ? `certificate has no SAN (URI, email or otherName username), expected exactly ${quote(policy.subject)}`
          : `certificate SAN is ${quote(signer.subject)}, expected exactly ${quote(policy.subject)}`,
      ),
    );
  }
  if (policy.subjectPattern && !policy.subjectPattern.test(signer.subject)) {
    failures.push(failure("SIGNER_MISMATCH", `certificate SAN is ${quote(signer.subject)}, expected a whole match of /${policy.subjectRegexp ?? ""}/`));
  }
  if (policy.issuer !== undefined && signer.issuer !== policy.issuer) {
    failures.push(
      failure(
        "ISSUER_MISMATCH",
        signer.issuer === undefined
          ? `certificate has no OIDC issuer extension, expected issuer ${quote(policy.issuer)}`
          : `certificate OIDC issuer is ${quote(signer.issuer)}, expected exactly ${quote(policy.issuer)}`,
      ),
    );
  }
  return failures;
}
