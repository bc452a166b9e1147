/**
 * Does the bundle speak about this artifact? The check `@sigstore/verify` leaves to its caller.
 *
 * For a message signature the library verifies the signature over the bytes it is given and never
 * compares `messageDigest` with them; a bundle whose `messageDigest` names another artifact would
 * pass a digest-only check that trusted that field. For DSSE it verifies the envelope and never
 * looks inside: an in-toto statement's subject is what binds the signature to an artifact, and
 * any other payload type (`text/plain`, a cosign simple-signing payload, …) signs its payload
 * itself, so that payload is the artifact.
 *
 * Digests are compared in whatever algorithm the bundle uses (SHA-256, -384 or -512): from the
 * bytes every one is computed; from a digest only the caller's algorithm is known.
 */
import { createHash } from "node:crypto";
import type { Bundle } from "@sigstore/bundle";
import type { HashAlgorithm } from "@sigstore/protobuf-specs";
import { describeArtifact, isArtifactDigestAlgorithm, type Artifact, type ArtifactDigestAlgorithm } from "./artifact.js";
import { failure, quote, type VerificationFailure } from "./failures.js";
import { messageDigestAlgorithm } from "./message-digest.js";

/** The in-toto payload type; its payload names the artifacts it covers. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

const IN_TOTO_STATEMENT_TYPES: ReadonlySet<string> = new Set(["https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1"]);

/** Checks that the bundle's signed content is about `artifact`. Returns a DIGEST_MISMATCH or nothing. */
export function checkArtifactBinding(bundle: Bundle, artifact: Artifact): VerificationFailure | undefined {
  const content = bundle.content;
  if (content.$case === "messageSignature") return checkMessageDigest(content.messageSignature.messageDigest, artifact);
  const envelope = content.dsseEnvelope;
  const payload = Buffer.from(envelope.payload);
  return envelope.payloadType === IN_TOTO_PAYLOAD_TYPE
    ? checkStatementSubjects(payload, artifact)
    : checkPayloadIsArtifact(envelope.payloadType, payload, artifact);
}

function checkMessageDigest(declared: { algorithm: HashAlgorithm; digest: Uint8Array } | undefined, artifact: Artifact): VerificationFailure | undefined {
  if (!declared) return failure("DIGEST_MISMATCH", "bundle has no messageDigest");
  const algorithm = messageDigestAlgorithm(declared.algorithm);
  if (!algorithm) return failure("DIGEST_MISMATCH", `bundle messageDigest uses an unsupported algorithm (${declared.algorithm})`);
  const bundleDigest = Buffer.from(declared.digest);
  const artifactDigest = artifact.digest(algorithm);
  if (!artifactDigest) {
    return failure(
      "DIGEST_MISMATCH",
      `bundle messageDigest is ${algorithm}, but the artifact was given as ${describeArtifact(artifact)}; send the content or its ${algorithm} digest`,
    );
  }
  if (!bundleDigest.equals(artifactDigest)) {
    return failure(
      "DIGEST_MISMATCH",
      `bundle messageDigest is ${algorithm}:${bundleDigest.toString("hex")}, artifact is ${algorithm}:${artifactDigest.toString("hex")}`,
    );
  }
  return undefined;
}

/**
 * A DSSE payload of another type than in-toto: the signature is over the payload, so the artifact
 * is bound exactly when it is the payload (its bytes, or its digest in the caller's algorithm).
 */
function checkPayloadIsArtifact(payloadType: string, payload: Buffer, artifact: Artifact): VerificationFailure | undefined {
  const { algorithm, digest } = artifact.named;
  if (artifact.content ? artifact.content.equals(payload) : createHash(algorithm).update(payload).digest().equals(digest)) return undefined;
  const payloadDigest = createHash(algorithm).update(payload).digest("hex");
  return failure(
    "DIGEST_MISMATCH",
    `DSSE payload (payloadType ${quote(payloadType, 80)}) is ${algorithm}:${payloadDigest}, not the artifact ${describeArtifact(artifact)}: a payload that is not an in-toto statement must be the artifact itself`,
  );
}

/** The subject digests an in-toto subject gives, for the algorithms this verifier computes. */
function subjectDigests(subject: unknown): [ArtifactDigestAlgorithm, string][] {
  const digest = (subject as { digest?: unknown } | null)?.digest;
  if (typeof digest !== "object" || digest === null) return [];
  return Object.entries(digest).filter((e): e is [ArtifactDigestAlgorithm, string] => isArtifactDigestAlgorithm(e[0]) && typeof e[1] === "string");
}

/**
 * A subject names the artifact when at least one of its digests can be compared and every one that
 * can be compared is the artifact's: a subject whose SHA-256 matches but whose SHA-512 does not
 * names something else.
 */
function subjectNames(subject: unknown, artifact: Artifact): boolean {
  let compared = 0;
  for (const [algorithm, hex] of subjectDigests(subject)) {
    const mine = artifact.digest(algorithm);
    if (!mine) continue;
    if (hex.toLowerCase() !== mine.toString("hex")) return false;
    compared++;
  }
  return compared > 0;
}

function checkStatementSubjects(payload: Buffer, artifact: Artifact): VerificationFailure | undefined {
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString("utf8"));
  } catch {
    return failure("DIGEST_MISMATCH", "DSSE payload is not JSON, so it names no artifact");
  }
  const type = (statement as { _type?: unknown } | null)?._type;
  if (typeof type !== "string" || !IN_TOTO_STATEMENT_TYPES.has(type)) {
    return failure("DIGEST_MISMATCH", `DSSE payload _type is ${quote(type, 80)}, expected an in-toto Statement (v0.1 or v1)`);
  }
  const subjects = (statement as { subject?: unknown }).subject;
  if (!Array.isArray(subjects) || subjects.length === 0) {
    return failure("DIGEST_MISMATCH", "in-toto statement has no subject, so it covers no artifact");
  }
  if (subjects.some((subject) => subjectNames(subject, artifact))) return undefined;
  const found = subjects.flatMap((subject) => subjectDigests(subject).map(([algorithm, hex]) => `${algorithm}:${hex}`));
  const shown = found.slice(0, 3).join(", ") + (found.length > 3 ? `, … (${found.length} in all)` : "");
  const usable = artifact.content ? "sha256, sha384 or sha512 digests" : `${artifact.named.algorithm} digests`;
  return failure(
    "DIGEST_MISMATCH",
    `in-toto statement subjects are ${found.length > 0 ? shown : `without ${usable}`}; none is the artifact ${describeArtifact(artifact)}`,
  );
}
