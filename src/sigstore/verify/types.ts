/**
 * The shapes of a verification request and its verdict, as the Verify RPC uses them.
 */
import type { ArtifactInput } from "./artifact.js";
import type { VerificationFailure } from "./failures.js";
import type { LogEntrySummary } from "./log-entry.js";
import type { TimestampSource } from "./timestamps.js";
import type { TrustedRootHandle } from "./trust-root.js";

/**
 * Who must have signed. Give `subject` or `subjectRegexp` (optionally with `issuer`) for a
 * certificate-signed bundle, or `publicKey` for a key-signed one.
 */
export interface ExpectedSigner {
  /** The certificate's SAN (URI or email), compared exactly. */
  readonly subject?: string;
  /** A regular expression the whole SAN must match (it is anchored for you). */
  readonly subjectRegexp?: string;
  /** The OIDC issuer recorded in the certificate, compared exactly. */
  readonly issuer?: string;
  /** PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----") for bundles signed without a certificate. */
  readonly publicKey?: string;
}

/** One verification. */
export interface VerifyBundleRequest {
  /**
   * The Sigstore bundle, as parsed JSON (untrusted: any value is accepted and judged), or a
   * `CheckedBundle` built from the RPC's protobuf message.
   */
  readonly bundle: unknown;
  /** The artifact's bytes or its `sha256:<hex>` digest. */
  readonly artifact: ArtifactInput;
  /** A trusted root as parsed JSON (validated and cached), or a handle from `loadTrustedRoot`. */
  readonly trustedRoot: unknown;
  /** Who must have signed. */
  readonly expected: ExpectedSigner;
}

/** The verdict. A well-formed request always gets one; `failures` is empty exactly when verified. */
export interface VerificationResult {
  readonly verified: boolean;
  /** Every independent reason for rejection, most fundamental first. */
  readonly failures: readonly VerificationFailure[];
  /**
   * The signer the certificate names. Present whenever the certificate could be read, so a
   * SIGNER_MISMATCH can be explained; only vouched for when `verified`.
   */
  readonly signer?: { readonly subject: string; readonly issuer?: string };
  /** The first log entry; like `signer`, only vouched for when `verified`. */
  readonly entry?: LogEntrySummary;
  /** Verified signing times (RFC 3339); empty unless `verified`. */
  readonly timestamps: readonly { readonly source: TimestampSource; readonly time: string }[];
}

export type { TrustedRootHandle };
