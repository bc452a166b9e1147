/**
 * Does the bundle speak about this artifact? The check `@sigstore/verify` leaves to its caller.
 *
 * For a message signature the library verifies the signature over the bytes it is given and never
 * compares `messageDigest` with them; a bundle whose `messageDigest` names another artifact would
 * pass a digest-only check that trusted that field. For DSSE it verifies the envelope and never
 * looks inside: the in-toto statement's subject is what binds the signature to an artifact.
 */
import { createHash } from "node:crypto";
import type { Bundle } from "@sigstore/bundle";
import { describeDigest, type Artifact } from "./artifact.js";
import { failure, quote, type VerificationFailure } from "./failures.js";
import { messageDigestAlgorithm } from "./message-digest.js";

/** The in-toto payload type; any other DSSE payload does not name its artifact. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

const IN_TOTO_STATEMENT_TYPES: ReadonlySet<string> = new Set([
  "https://in-toto.io/Statement/v0.1",
  "https://in-toto.io/Statement/v1",
]);

/** Checks that the bundle's signed content is about `artifact`. Returns a DIGEST_MISMATCH or nothing. */
export function checkArtifactBinding(bundle: Bundle, artifact: Artifact): VerificationFailure | undefined {
  const content = bundle.content;
  if (content.$case === "messageSignature") {
    const declared = content.messageSignature.messageDigest;
    if (!declared) return failure("DIGEST_MISMATCH", "bundle has no messageDigest");
    const algorithm = messageDigestAlgorithm(declared.algorithm);
    if (!algorithm) return failure("DIGEST_MISMATCH", `bundle messageDigest uses an unsupported algorithm (${declared.algorithm})`);
    const bundleDigest = Buffer.from(declared.digest);
    let artifactDigest: Buffer;
    if (algorithm === "sha256") {
      artifactDigest = artifact.sha256;
    } else if (artifact.content) {
      artifactDigest = createHash(algorithm).update(artifact.content).digest();
    } else {
      return failure(
        "DIGEST_MISMATCH",
        `bundle messageDigest is ${algorithm}, but only the artifact's sha256 was given; send the content or a bundle over sha256`,
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

  const envelope = content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return failure(
      "DIGEST_MISMATCH",
      `DSSE payloadType is ${quote(envelope.payloadType, 80)}, expected ${IN_TOTO_PAYLOAD_TYPE}: only an in-toto statement names the artifact it covers`,
    );
  }
  let statement: unknown;
  try {
    statement = JSON.parse(Buffer.from(envelope.payload).toString("utf8"));
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
  const wanted = artifact.sha256.toString("hex");
  const found: string[] = [];
  for (const subject of subjects) {
    const sha256 = (subject as { digest?: { sha256?: unknown } } | null)?.digest?.sha256;
    if (typeof sha256 !== "string") continue;
    if (sha256.toLowerCase() === wanted) return undefined;
    found.push(`sha256:${sha256}`);
  }
  const shown = found.slice(0, 3).join(", ") + (found.length > 3 ? `, … (${found.length} in all)` : "");
  return failure(
    "DIGEST_MISMATCH",
    `in-toto statement subjects are ${found.length > 0 ? shown : "without sha256 digests"}; none is the artifact ${describeDigest(artifact.sha256)}`,
  );
}
