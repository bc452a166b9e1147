/**
 * The artifact a bundle is checked against: its bytes, or one digest of it.
 *
 * The service never fetches artifacts (DESIGN.md): callers send a digest, or the bytes of a small
 * artifact inline. A digest may be SHA-256, SHA-384 or SHA-512: npm provenance, for one, names a
 * package tarball by its SHA-512 only, so a caller holding that digest must be able to use it.
 * With the bytes every algorithm a bundle uses is computed from them; with a digest only that
 * algorithm is known, and a bundle over another one cannot be bound to it (DIGEST_MISMATCH).
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../../errors.js";

/** The digest algorithms an artifact may be named by, in Node's names. */
export const ARTIFACT_DIGEST_ALGORITHMS = ["sha256", "sha384", "sha512"] as const;

/** One of {@link ARTIFACT_DIGEST_ALGORITHMS}. */
export type ArtifactDigestAlgorithm = (typeof ARTIFACT_DIGEST_ALGORITHMS)[number];

/** Hex length of each algorithm's digest. */
const HEX_LENGTH: Readonly<Record<ArtifactDigestAlgorithm, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** `<algorithm>:<hex>` with one of the accepted algorithms; the length is checked separately. */
const DIGEST_SYNTAX = /^(sha256|sha384|sha512):([0-9a-fA-F]+)$/;

/** What a caller gives: the artifact's bytes, or `sha256:<64 hex>`, `sha384:<96 hex>`, `sha512:<128 hex>`. */
export type ArtifactInput = { content: Uint8Array } | { digest: string };

/** The artifact as verification uses it. */
export interface Artifact {
  /** The bytes, when the caller sent them. */
  readonly content?: Buffer;
  /** The digest the caller named the artifact by (SHA-256 of the bytes when they were sent). */
  readonly named: { readonly algorithm: ArtifactDigestAlgorithm; readonly digest: Buffer };
  /**
   * The artifact's digest under `algorithm`: computed from the bytes when they were sent, the
   * caller's digest when it is of that algorithm, undefined when it cannot be known.
   */
  digest(algorithm: ArtifactDigestAlgorithm): Buffer | undefined;
}

/** Whether a name is one of {@link ARTIFACT_DIGEST_ALGORITHMS}. */
export function isArtifactDigestAlgorithm(name: unknown): name is ArtifactDigestAlgorithm {
  return typeof name === "string" && (ARTIFACT_DIGEST_ALGORITHMS as readonly string[]).includes(name);
}

/**
 * Parses `<algorithm>:<hex>` for one of the accepted algorithms, or returns why it is not one.
 * Upper-case hex is accepted and read as lower case.
 */
export function parseArtifactDigest(value: string): { algorithm: ArtifactDigestAlgorithm; digest: Buffer } | { problem: string } {
  const match = DIGEST_SYNTAX.exec(value);
  const expected = "sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex>";
  if (!match) return { problem: `must be ${expected}, got ${JSON.stringify(value.slice(0, 80))}` };
  const algorithm = match[1] as ArtifactDigestAlgorithm;
  const hex = match[2];
  if (hex === undefined) return { problem: `must be ${expected}, got ${JSON.stringify(value.slice(0, 80))}` };
  if (hex.length !== HEX_LENGTH[algorithm]) {
    return { problem: `a ${algorithm} digest has ${HEX_LENGTH[algorithm]} hex digits, got ${hex.length}; expected ${expected}` };
  }
  return { algorithm, digest: Buffer.from(hex, "hex") };
}

function fromBytes(bytes: Buffer): Artifact {
  const computed = new Map<ArtifactDigestAlgorithm, Buffer>();
  const digest = (algorithm: ArtifactDigestAlgorithm): Buffer => {
    let d = computed.get(algorithm);
    if (!d) {
      d = createHash(algorithm).update(bytes).digest();
      computed.set(algorithm, d);
    }
    return d;
  };
  return { content: bytes, named: { algorithm: "sha256", digest: digest("sha256") }, digest };
}

function fromDigest(algorithm: ArtifactDigestAlgorithm, value: Buffer): Artifact {
  return { named: { algorithm, digest: value }, digest: (wanted) => (wanted === algorithm ? value : undefined) };
}

/**
 * Normalizes a caller's artifact. A wrong shape is the caller's mistake, not a verdict.
 * @throws InvalidArgumentError (field `artifact`, `artifact.digest` or `artifact.content`)
 */
export function toArtifact(input: ArtifactInput): Artifact {
  // Callers in JavaScript (and JSON from the wire) can pass anything: check before reading.
  const given: unknown = input;
  if (typeof given !== "object" || given === null) throw new InvalidArgumentError("artifact", "must be an object with content or digest");
  const content = (input as { content?: unknown }).content;
  const digest = (input as { digest?: unknown }).digest;
  if (content !== undefined && digest !== undefined) {
    throw new InvalidArgumentError("artifact", "give either content or digest, not both");
  }
  if (content !== undefined) {
    if (!(content instanceof Uint8Array)) throw new InvalidArgumentError("artifact.content", "must be bytes");
    return fromBytes(Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength));
  }
  if (typeof digest !== "string") throw new InvalidArgumentError("artifact", "must have content or digest");
  const parsed = parseArtifactDigest(digest);
  if ("problem" in parsed) throw new InvalidArgumentError("artifact.digest", parsed.problem);
  return fromDigest(parsed.algorithm, parsed.digest);
}

/** `<algorithm>:<hex>` of the digest the artifact was named by, for messages. */
export function describeArtifact(artifact: Artifact): string {
  return `${artifact.named.algorithm}:${artifact.named.digest.toString("hex")}`;
}
