/**
 * Checks of request fields shared by the handlers. Each failure is an `InvalidArgumentError`
 * naming the field by its JSON path and saying what it accepts.
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../errors.js";

const DIGEST = /^sha256:([0-9a-f]{64})$/;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** Longest artifact URI accepted; URIs go into signed statements and audit events. */
export const MAX_URI_CHARS = 4096;

/** Parses `sha256:<64 lowercase hex>` into the 32 digest bytes. */
export function parseDigest(field: string, value: string): Buffer {
  const [, hex] = DIGEST.exec(value) ?? [];
  if (hex === undefined) {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    throw new InvalidArgumentError(field, `"${shown}" is not a digest; expected "sha256:" followed by 64 lowercase hex characters`);
  }
  return Buffer.from(hex, "hex");
}

/** Checks an artifact URI: optional, but when given it needs a scheme (`s3:`, `oci:`, `https:` …). */
export function checkUri(field: string, value: string): void {
  if (value === "") return;
  if (value.length > MAX_URI_CHARS) throw new InvalidArgumentError(field, `is ${value.length} characters; at most ${MAX_URI_CHARS} are accepted`);
  if (!URI_SCHEME.test(value)) throw new InvalidArgumentError(field, `"${value.slice(0, 80)}" has no URI scheme; expected e.g. s3://bucket/key, oci://registry/repo@sha256:…, https://…`);
}

/** The artifact of a request, resolved to its SHA-256 digest. */
export interface ResolvedArtifact {
  uri: string;
  digest: Buffer;
  /** `sha256:<hex>` */
  digestString: string;
  content?: Uint8Array;
}

/**
 * Resolves `artifact`: a digest, content, or both (then they must agree). `requireDigestOrContent`
 * is false only where an artifact is optional.
 */
export function resolveArtifact(field: string, artifact: { uri: string; digest: string; content: Uint8Array } | undefined): ResolvedArtifact {
  if (artifact === undefined) throw new InvalidArgumentError(field, "is required: give its digest (sha256:<hex>) or its content");
  checkUri(`${field}.uri`, artifact.uri);
  const hasContent = artifact.content.length > 0;
  if (artifact.digest === "" && !hasContent) throw new InvalidArgumentError(`${field}.digest`, "is required (sha256:<64 hex>) unless artifact.content is given");
  const fromContent = hasContent ? createHash("sha256").update(artifact.content).digest() : undefined;
  // Without a digest there is content (checked above), so fromContent is set.
  const digest = artifact.digest !== "" || fromContent === undefined ? parseDigest(`${field}.digest`, artifact.digest) : fromContent;
  if (fromContent && !fromContent.equals(digest)) {
    throw new InvalidArgumentError(`${field}.content`, `its SHA-256 is sha256:${fromContent.toString("hex")}, but artifact.digest says ${artifact.digest}`);
  }
  const out: ResolvedArtifact = { uri: artifact.uri, digest, digestString: `sha256:${digest.toString("hex")}` };
  if (hasContent) out.content = artifact.content;
  return out;
}
