/**
 * Bundle verification for the Verify RPC: `verifyBundle`, trusted-root handles, failure codes.
 */
export { verifyBundle, type VerifyOptions } from "./engine.js";
export { FAILURE_CODES, isFailureCode, type FailureCode, type VerificationFailure } from "./failures.js";
export { clearTrustedRootCache, loadTrustedRoot, publicGoodTrustedRoot, trustedRootFingerprint, DEFAULT_TRUST_ROOT_CACHE_SIZE } from "./trust-root-cache.js";
export { TrustedRootHandle, TRUSTED_ROOT_MEDIA_TYPES } from "./trust-root.js";
export { parseBundle, type ParsedBundle } from "./bundle-parse.js";
export { CheckedBundle } from "./bundle-message.js";
export { DEFAULT_BUNDLE_LIMITS, DEFAULT_TRUST_ROOT_LIMITS, type JsonLimits } from "./json-limits.js";
export { ARTIFACT_DIGEST_ALGORITHMS, parseArtifactDigest, type ArtifactDigestAlgorithm, type ArtifactInput } from "./artifact.js";
export type { ExpectedSigner, VerificationResult, VerifyBundleRequest } from "./types.js";
export type { LogEntrySummary } from "./log-entry.js";
export type { TimestampSource } from "./timestamps.js";
