/**
 * The artifact a bundle is checked against: its bytes, or only its SHA-256 digest.
 *
 * The service never fetches artifacts (DESIGN.md): callers send a digest, or the bytes of a small
 * artifact inline. Everything downstream works from the digest; the bytes, when present, let a
 * message signature be checked by OpenSSL directly and let other digest algorithms be computed.
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../../errors.js";

/** What a caller gives: the artifact's bytes, or `sha256:<64 hex>`. */
export type ArtifactInput = { content: Uint8Array } | { digest: string };

/** The artifact as verification uses it. */
export interface Artifact {
  /** SHA-256 of the artifact (computed from `content`, or taken from the caller's digest). */
  readonly sha256: Buffer;
  /** The bytes, when the caller sent them. */
  readonly content?: Buffer;
}

const SHA256_DIGEST = /^sha256:([0-9a-fA-F]{64})$/;

/**
 * Normalizes a caller's artifact. A wrong shape is the caller's mistake, not a verdict.
 * @throws InvalidArgumentError (field `artifact`, `artifact.digest` or `artifact.content`)
 */
export function toArtifact(input: ArtifactInput): Artifact {
  if (typeof input !== "object" || input === null) throw new InvalidArgumentError("artifact", "must be an object with content or digest");
  const content = (input as { content?: unknown }).content;
  const digest = (input as { digest?: unknown }).digest;
  if (content !== undefined && digest !== undefined) {
    throw new InvalidArgumentError("artifact", "give either content or digest, not both");
  }
  if (content !== undefined) {
    if (!(content instanceof Uint8Array)) throw new InvalidArgumentError("artifact.content", "must be bytes");
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    return { sha256: createHash("sha256").update(bytes).digest(), content: bytes };
  }
  if (typeof digest !== "string") throw new InvalidArgumentError("artifact", "must have content or digest");
  const match = SHA256_DIGEST.exec(digest);
  if (!match) throw new InvalidArgumentError("artifact.digest", `must be sha256:<64 hex digits>, got ${JSON.stringify(digest.slice(0, 80))}`);
  return { sha256: Buffer.from(match[1]!, "hex") };
}

/** `sha256:<hex>` for messages. */
export function describeDigest(sha256: Buffer): string {
  return `sha256:${sha256.toString("hex")}`;
}
