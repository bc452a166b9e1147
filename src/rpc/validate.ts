/**
 * Checks of request fields shared by the handlers. Each failure is an `InvalidArgumentError`
 * naming the field by its JSON path and saying what it accepts.
 */
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../errors.js";
import { parseArtifactDigest, type ArtifactDigestAlgorithm } from "../sigstore/verify/index.js";

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
  if (!URI_SCHEME.test(value))
    throw new InvalidArgumentError(field, `"${value.slice(0, 80)}" has no URI scheme; expected e.g. s3://bucket/key, oci://registry/repo@sha256:…, https://…`);
}

/** The artifact of a request, resolved to its digest. */
export interface ResolvedArtifact {
  uri: string;
  /** The digest's algorithm: always sha256 unless the caller allowed others. */
  algorithm: ArtifactDigestAlgorithm;
  digest: Buffer;
  /** `<algorithm>:<lower-case hex>` */
  digestString: string;
  content?: Uint8Array;
}

/** Which digests a request may name its artifact by. */
export interface ArtifactOptions {
  /**
   * Default sha256 only (what Sign puts in its statements). Verify also takes sha384 and sha512:
   * a statement may name its subject by those alone (npm provenance does).
   */
  readonly algorithms?: readonly ArtifactDigestAlgorithm[];
}

/**
 * Resolves `artifact`: a digest, content, or both (then they must agree, in the digest's
 * algorithm). Content alone is named by its SHA-256.
 */
export function resolveArtifact(
  field: string,
  artifact: { uri: string; digest: string; content: Uint8Array } | undefined,
  options: ArtifactOptions = {},
): ResolvedArtifact {
  const algorithms = options.algorithms ?? ["sha256"];
  const accepted = algorithms.length === 1 ? `${algorithms[0]}:<hex>` : algorithms.map((a) => `${a}:<hex>`).join(", ");
  if (artifact === undefined) throw new InvalidArgumentError(field, `is required: give its digest (${accepted}) or its content`);
  checkUri(`${field}.uri`, artifact.uri);
  const hasContent = artifact.content.length > 0;
  if (artifact.digest === "" && !hasContent) throw new InvalidArgumentError(`${field}.digest`, `is required (${accepted}) unless artifact.content is given`);
  let algorithm: ArtifactDigestAlgorithm = "sha256";
  let digest: Buffer;
  if (artifact.digest === "") {
    digest = createHash("sha256").update(artifact.content).digest();
  } else if (algorithms.length === 1 && algorithms[0] === "sha256") {
    digest = parseDigest(`${field}.digest`, artifact.digest);
  } else {
    const parsed = parseArtifactDigest(artifact.digest);
    if ("problem" in parsed) throw new InvalidArgumentError(`${field}.digest`, parsed.problem);
    if (!algorithms.includes(parsed.algorithm)) throw new InvalidArgumentError(`${field}.digest`, `${parsed.algorithm} is not accepted here; give ${accepted}`);
    ({ algorithm, digest } = parsed);
  }
  if (hasContent && artifact.digest !== "") {
    const fromContent = createHash(algorithm).update(artifact.content).digest();
    if (!fromContent.equals(digest)) {
      const name = algorithm === "sha256" ? "SHA-256" : algorithm;
      throw new InvalidArgumentError(
        `${field}.content`,
        `its ${name} is ${algorithm}:${fromContent.toString("hex")}, but artifact.digest says ${artifact.digest}`,
      );
    }
  }
  const out: ResolvedArtifact = { uri: artifact.uri, algorithm, digest, digestString: `${algorithm}:${digest.toString("hex")}` };
  if (hasContent) out.content = artifact.content;
  return out;
}
