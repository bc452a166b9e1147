/**
 * The digest `certus-trust verify --artifact` sends for a file: in the algorithm the bundle uses.
 *
 * The CLI sends a digest, never the file, so it must pick the algorithm the service can compare
 * with the bundle: a message signature's `messageDigest` algorithm, or for an in-toto statement
 * one its subjects are named by (npm provenance names packages by SHA-512 only). SHA-256 is
 * preferred when the bundle offers it, and is the answer for anything else (another DSSE payload
 * is compared with the digest of its payload, in whichever algorithm is sent).
 */
import { createHash } from "node:crypto";

/** The algorithms the service accepts in `artifact.digest`, most preferred first. */
const PREFERRED = ["sha256", "sha512", "sha384"] as const;
type Algorithm = (typeof PREFERRED)[number];

const MESSAGE_DIGEST_ALGORITHMS: Readonly<Record<string, Algorithm>> = { SHA2_256: "sha256", SHA2_384: "sha384", SHA2_512: "sha512" };

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined);

/** The algorithms the bundle (proto3 JSON) names its artifact by; empty when it does not say. */
function algorithmsOf(bundle: unknown): Algorithm[] {
  const b = obj(bundle);
  const declared = obj(obj(b?.["messageSignature"])?.["messageDigest"])?.["algorithm"];
  if (typeof declared === "string") return MESSAGE_DIGEST_ALGORITHMS[declared] ? [MESSAGE_DIGEST_ALGORITHMS[declared]] : [];
  const envelope = obj(b?.["dsseEnvelope"]);
  if (envelope?.["payloadType"] !== "application/vnd.in-toto+json" || typeof envelope["payload"] !== "string") return [];
  try {
    const statement = obj(JSON.parse(Buffer.from(envelope["payload"], "base64").toString("utf8")));
    const subjects = Array.isArray(statement?.["subject"]) ? (statement["subject"] as unknown[]) : [];
    const named = new Set(subjects.flatMap((s) => Object.keys(obj(obj(s)?.["digest"]) ?? {})));
    return PREFERRED.filter((a) => named.has(a));
  } catch {
    return [];
  }
}

/** `<algorithm>:<hex>` of `bytes`, in the algorithm the bundle uses (SHA-256 when it offers it or says nothing). */
export function artifactDigestFor(bytes: Buffer, bundle: unknown): string {
  const algorithm = algorithmsOf(bundle)[0] ?? "sha256";
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}
