/**
 * verifyBundle: the verdict on one Sigstore bundle for the Verify RPC.
 *
 * `@sigstore/verify` is the reference for everything it checks (timestamps, certificate chain,
 * SCTs, log SET/checkpoint/Merkle path/body, signature). Around it this engine adds what it does
 * not do or does not say clearly, in this order:
 *
 * 1. the request (artifact, expected signer) is checked: a caller's mistake throws
 *    InvalidArgumentError, it is not a verdict;
 * 2. the bundle and the trusted root are parsed strictly (BUNDLE_MALFORMED, TRUST_ROOT_INVALID);
 * 3. cheap checks whose failure names the real cause: the artifact binding (DIGEST_MISMATCH; in
 *    any digest algorithm the bundle uses, see `artifact-binding.ts`),
 *    who signed (SIGNER_MISMATCH, ISSUER_MISMATCH, KEY_MISMATCH), the bundle's own consistency,
 *    and the signature itself (SIGNATURE_INVALID; prehashed when only a digest is known);
 * 4. the library, with the identity policy withheld (it would treat the subject as an unanchored
 *    RegExp), the signature answered from step 3, and checkpoints judged by key hint and origin
 *    (`checkpoint.ts`) instead of by the log's baseUrl. Its errors are mapped to our codes; one that
 *    is only a symptom of a failure already found (a flipped signature byte makes the logged body
 *    differ) is not repeated.
 *
 * Never throws for anything inside the bundle or trusted root.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import type { Bundle } from "@sigstore/bundle";
import { RFC3161Timestamp, type ASN1Obj, type X509Certificate } from "@sigstore/core";
import { toSignedEntity, type Verifier, type SignedEntity } from "@sigstore/verify";
import { InvalidArgumentError } from "../../errors.js";
import { toArtifact, type Artifact } from "./artifact.js";
import { sharedCertificate } from "./certificate-memo.js";
import { checkArtifactBinding } from "./artifact-binding.js";
import { withFastDer } from "./der-encoder.js";
import { withoutStackTraces } from "./no-stack-traces.js";
import { CheckedBundle } from "./bundle-message.js";
import { parseBundle, type ParsedBundle } from "./bundle-parse.js";
import { checkChainHasNoRoot, checkIntegratedTimes, checkLoggedSigner, checkProofMatchesCheckpoint } from "./consistency.js";
import { toSignerExpectation, type SignerExpectation } from "./expected-signer.js";
import { failure, FAILURE_CODES, quote, type FailureCode, type VerificationFailure } from "./failures.js";
import { certificateSigner, checkIdentity, type CertificateSigner } from "./identity.js";
import { publicKeyFromDer } from "./key-cache.js";
import { libraryFailure } from "./library-errors.js";
import { summarizeEntry, type LogEntrySummary } from "./log-entry.js";
import { checkpointRuleVerifier, memoizedVerifier } from "./memoized-verifier.js";
import { CheckedSignatureContent, signatureChecker } from "./signature.js";
import { claimedSigningTimes } from "./timestamps.js";
import { loadTrustedRoot } from "./trust-root-cache.js";
import { TrustedRootHandle, verifierOptions } from "./trust-root.js";
import type { VerificationResult, VerifyBundleRequest } from "./types.js";

/** Options for tests and tools; the service uses the defaults. */
export interface VerifyOptions {
  /** Current time in ms since the epoch (default `Date.now`), for the integrated-time check. */
  readonly now?: () => number;
  /**
   * Whether work that recurs across verifications is reused (default true): leaf certificates
   * parsed and chain-checked once, keys imported once, checkpoints verified once, digest-only
   * ECDSA by OpenSSL. With false every check runs from scratch in the stock `@sigstore/verify`
   * Verifier and digest-only ECDSA in `@noble/curves`: slower, with the same verdicts (the
   * differential tests compare the two).
   */
  readonly memoize?: boolean;
}

/** Library failures that only restate a cause already found by the engine's own checks. */
const SYMPTOMS: ReadonlySet<FailureCode> = new Set(["TLOG_BODY_MISMATCH", "SIGNATURE_INVALID", "KEY_MISMATCH"]);
/** Engine findings that explain those symptoms. */
const CAUSES: ReadonlySet<FailureCode> = new Set(["SIGNATURE_INVALID", "KEY_MISMATCH", "TLOG_BODY_MISMATCH"]);

const EMPTY = Buffer.alloc(0);
const ORDER = new Map<FailureCode, number>(FAILURE_CODES.map((code, i) => [code, i]));

/** Resolves the request's trusted root to a handle, or the failure that says why it is refused. */
function resolveTrustedRoot(trustedRoot: unknown): TrustedRootHandle | VerificationFailure {
  if (trustedRoot instanceof TrustedRootHandle) return trustedRoot;
  try {
    return loadTrustedRoot(trustedRoot);
  } catch (err) {
    const message = err instanceof InvalidArgumentError ? err.message.replace(/^trustedRoot: /, "") : String(err);
    return failure("TRUST_ROOT_INVALID", `trusted root refused: ${message}`);
  }
}

/** A field of a parsed bundle that JSON may lack although the generated type marks it required. */
function maybeMissing<T>(value: T): T | undefined {
  return value;
}

/** A code's place in FAILURE_CODES (ORDER holds every code). */
function rank(code: FailureCode): number {
  return ORDER.get(code) ?? ORDER.size;
}

function rejected(failures: VerificationFailure[], extra: { signer?: CertificateSigner; entry?: LogEntrySummary } = {}): VerificationResult {
  const sorted = [...failures].sort((a, b) => rank(a.code) - rank(b.code));
  return { verified: false, failures: sorted, timestamps: [], ...extra };
}

/** The signing certificate's DER as the bundle carries it. */
function leafDer(bundle: Bundle): Uint8Array | undefined {
  const raw = bundle.verificationMaterial.content;
  return raw.$case === "certificate"
    ? raw.certificate.rawBytes
    : raw.$case === "x509CertificateChain"
      ? raw.x509CertificateChain.certificates[0]?.rawBytes
      : undefined;
}

/** What the signature was checked over, for the message of a SIGNATURE_INVALID. */
function signedOver(bundle: Bundle): string {
  if (bundle.content.$case === "dsseEnvelope") return "the DSSE envelope (PAE of payloadType and payload)";
  const message = bundle.content.messageSignature;
  const digest = maybeMissing(message.messageDigest)?.digest;
  return `the bundle's messageDigest ${digest ? Buffer.from(digest).toString("hex") : "(none)"}`;
}

/** The key that must have produced the signature, and what the expectation says about the signer. */
function signingKey(
  bundle: Bundle,
  leaf: X509Certificate | undefined,
  signer: CertificateSigner | undefined,
  expectation: SignerExpectation,
  failures: VerificationFailure[],
  memoize: boolean,
): KeyObject | undefined {
  if (leaf && signer) {
    if (expectation.kind === "key") {
      failures.push(
        failure(
          "KEY_MISMATCH",
          `bundle is signed with a certificate for ${quote(signer.subject)}, expected a bundle signed by the public key ${"problem" in expectation.key ? "(unreadable)" : expectation.key.fingerprint}`,
        ),
      );
    } else {
      failures.push(...checkIdentity(signer, expectation.policy));
    }
    const der = leafDer(bundle);
    if (der) {
      const logged = checkLoggedSigner(bundle, { certificate: Buffer.from(der) });
      if (logged) failures.push(logged);
    }
    return memoize ? publicKeyFromDer(leaf.publicKey) : createPublicKey({ key: leaf.publicKey, format: "der", type: "spki" });
  }
  const material = bundle.verificationMaterial.content;
  const hint = material.$case === "publicKey" ? material.publicKey.hint : "";
  if (expectation.kind === "identity") {
    const wanted = expectation.policy.subject ?? `/${expectation.policy.subjectRegexp ?? ""}/`;
    failures.push(
      failure("SIGNER_MISMATCH", `bundle is signed by a bare public key (hint ${quote(hint, 80)}), not a certificate; expected signer ${quote(wanted)}`),
    );
    return undefined;
  }
  if ("problem" in expectation.key) {
    failures.push(failure("KEY_MISMATCH", expectation.key.problem));
    return undefined;
  }
  const logged = checkLoggedSigner(bundle, { publicKey: expectation.key.key });
  if (logged) failures.push(logged);
  return expectation.key.key;
}

/** The library's verifier for this bundle: memoized (see `memoized-verifier.ts`) or stock. */
function libraryVerifier(root: TrustedRootHandle, key: KeyObject, leaf: X509Certificate | undefined, memoize: boolean): Verifier {
  if (memoize) {
    return leaf
      ? root.verifier
      : memoizedVerifier({ ...root.trustMaterial, publicKey: () => ({ publicKey: key, validFor: () => true }) }, verifierOptions(false));
  }
  const material = root.unmemoizedTrustMaterial;
  return leaf
    ? checkpointRuleVerifier(material, verifierOptions(root.requiresScts))
    : checkpointRuleVerifier({ ...material, publicKey: () => ({ publicKey: key, validFor: () => true }) }, verifierOptions(false));
}

/** Runs the reference verifier; returns its failure, if any. */
function runLibrary(
  entity: SignedEntity,
  root: TrustedRootHandle,
  key: KeyObject,
  leaf: X509Certificate | undefined,
  memoize: boolean,
): VerificationFailure | undefined {
  const verifier = libraryVerifier(root, key, leaf, memoize);
  try {
    verifier.verify(entity);
    return undefined;
  } catch (err) {
    return libraryFailure(err, { ...(leaf ? { leaf } : {}), signingTimes: claimedSigningTimes(entity) });
  }
}

/**
 * As the library's `toSignedEntity`, with the RFC 3161 timestamps from `timestampTrees` (their
 * parse trees, in order) when given instead of parsed again: `toSignedEntity` lists the log
 * entries' times first, then one `RFC3161Timestamp.parse` per token, which is
 * `new RFC3161Timestamp(ASN1Obj.parseBuffer(der))`.
 */
function signedEntityOf(bundle: Bundle, artifact: Buffer, timestampTrees: readonly ASN1Obj[] | undefined): SignedEntity {
  if (timestampTrees === undefined) return toSignedEntity(bundle, artifact);
  const entity = toSignedEntity({ ...bundle, verificationMaterial: { ...bundle.verificationMaterial, timestampVerificationData: undefined } }, artifact);
  const tokens = timestampTrees.map((tree) => ({ $case: "timestamp-authority" as const, timestamp: new RFC3161Timestamp(tree) }));
  return { ...entity, timestamps: [...entity.timestamps, ...tokens] };
}

/** Verifies with a validated request; see the module comment for the order of checks. */
function verifyParsed(
  bundle: Bundle,
  artifact: Artifact,
  root: TrustedRootHandle,
  expectation: SignerExpectation,
  now: number,
  memoize: boolean,
  timestampTrees?: readonly ASN1Obj[],
): VerificationResult {
  let entity: SignedEntity;
  let leaf: X509Certificate | undefined;
  let signer: CertificateSigner | undefined;
  try {
    entity = signedEntityOf(bundle, artifact.content ?? EMPTY, timestampTrees);
    if (entity.key.$case === "certificate") {
      leaf = entity.key.certificate;
      if (memoize) {
        // The same bytes parsed once and shared, with their chain checks remembered. The library
        // parsed `leaf` from exactly `leafDer(bundle)`, so a first sight keeps that parse.
        const der = leafDer(bundle);
        leaf = der ? sharedCertificate(der, leaf) : sharedCertificate(leaf.root.toDER(), leaf);
        entity = { ...entity, key: { $case: "certificate", certificate: leaf } };
      }
      signer = certificateSigner(leaf);
    }
  } catch (err) {
    return rejected([failure("BUNDLE_MALFORMED", `bundle certificate or timestamp cannot be decoded: ${err instanceof Error ? err.message : String(err)}`)]);
  }
  const firstEntry = bundle.verificationMaterial.tlogEntries[0];
  const extra: { signer?: CertificateSigner; entry?: LogEntrySummary } = {};
  if (signer) extra.signer = signer;
  if (firstEntry) extra.entry = summarizeEntry(firstEntry);

  const failures: VerificationFailure[] = [];
  try {
    const binding = checkArtifactBinding(bundle, artifact);
    if (binding) failures.push(binding);
    const root_ = checkChainHasNoRoot(bundle);
    if (root_) failures.push(root_);
    const future = checkIntegratedTimes(bundle, now);
    if (future) failures.push(future);
    const proof = checkProofMatchesCheckpoint(bundle);
    if (proof) failures.push(proof);

    const key = signingKey(bundle, leaf, signer, expectation, failures, memoize);
    if (key) {
      const content = new CheckedSignatureContent(entity.signature, signatureChecker(bundle, artifact, !memoize));
      const signature = content.check(key);
      if (!signature.valid && !failures.some((f) => f.code === "KEY_MISMATCH")) {
        failures.push(
          failure(
            "SIGNATURE_INVALID",
            signature.unsupported ?? `signature does not verify over ${signedOver(bundle)} with the ${leaf ? "certificate's" : "expected"} key`,
          ),
        );
      }
      const found = runLibrary({ ...entity, signature: content }, root, key, leaf, memoize);
      const explained = found && SYMPTOMS.has(found.code) && failures.some((f) => CAUSES.has(f.code));
      if (found && !explained && !failures.some((f) => f.code === found.code)) failures.push(found);
    }
  } catch (err) {
    failures.push(failure("BUNDLE_MALFORMED", `bundle could not be processed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`));
  }

  if (failures.length > 0) return rejected(failures, extra);
  const timestamps = claimedSigningTimes(entity).map((t) => ({ source: t.source, time: t.time.toISOString() }));
  return { verified: true, failures: [], timestamps, ...extra };
}

/**
 * Verifies a Sigstore bundle against an artifact (bytes or digest), a trusted root and the
 * expected signer.
 *
 * @returns the verdict; `verified` is true only when every check passed.
 * @throws InvalidArgumentError only for a malformed request (artifact digest syntax, missing or
 *   contradictory expectation, invalid subjectRegexp), never for the bundle or the root's content.
 */
export function verifyBundle(request: VerifyBundleRequest, options: VerifyOptions = {}): VerificationResult {
  // Parsing a bundle's certificates and timestamps throws and catches errors by the dozen; their
  // stacks are never read (`no-stack-traces.ts`).
  return withoutStackTraces(() => verifyRequest(request, options));
}

function verifyRequest(request: VerifyBundleRequest, options: VerifyOptions): VerificationResult {
  // Callers in JavaScript can pass anything: check before reading.
  const given: unknown = request;
  if (typeof given !== "object" || given === null) throw new InvalidArgumentError("request", "must be an object");
  const artifact = toArtifact(request.artifact);
  const expectation = toSignerExpectation(request.expected);
  // A bundle built from the RPC's protobuf message was checked as `parseBundle` checks JSON.
  const checked = request.bundle instanceof CheckedBundle ? request.bundle : undefined;
  const parsed: ParsedBundle = checked ? { ok: true, bundle: checked.bundle } : parseBundle(request.bundle);
  const root = resolveTrustedRoot(request.trustedRoot);
  if (parsed.ok && root instanceof TrustedRootHandle) {
    const now = (options.now ?? Date.now)();
    // The memoized path re-encodes DER in one allocation (`der-encoder.ts`); the baseline keeps the library's encoder.
    return (options.memoize ?? true)
      ? withFastDer(() => verifyParsed(parsed.bundle, artifact, root, expectation, now, true, checked?.timestampTrees))
      : verifyParsed(parsed.bundle, artifact, root, expectation, now, false);
  }
  // Both are reported when both are wrong: fixing one should not reveal the other only later.
  const early: VerificationFailure[] = [];
  if (!parsed.ok) early.push(parsed.failure);
  if (!(root instanceof TrustedRootHandle)) early.push(root);
  return rejected(early);
}
