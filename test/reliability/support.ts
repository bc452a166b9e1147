/**
 * Shared pieces of the reliability tests: a REST client that records what it received, an
 * independent reader of signed checkpoints (the log key from GET /v1/keys, no product parser),
 * and the checks "this bundle is still in the log" and "this checkpoint is a prefix of that one".
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFromJSON, type SerializedBundle } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { fetchTrustedRoot } from "../helpers/sigstore.js";
import { hashLeaf, verifyConsistency } from "../helpers/rfc6962.js";
import type { WireJson } from "../helpers/wire-json.js";

/** The service's signing identity (the default `--identity`). */
export const IDENTITY = "certus-trust@certus.cloud";

/** A bundle a client received from Sign, with what it needs to be re-checked later. */
export interface ReceivedBundle {
  readonly bundle: WireJson;
  /** The artifact bytes (message signatures are verified over them). */
  readonly artifact: Buffer;
  readonly format: "dsse" | "message";
  readonly logIndex: number;
  readonly uuid: string;
  /** Leaf hash of the logged body, recomputed by the client. */
  readonly leafHash: string;
  /** The issuer in the service's certificate: fixed at first start (instance.json), the first server URL. */
  readonly issuer: string;
}

/** A signed checkpoint as a client saw it (signature already checked). */
export interface SeenCheckpoint {
  readonly size: number;
  readonly root: Buffer;
  readonly note: string;
}

/** sha256:<hex> of `bytes`. */
export const digestOf = (bytes: Buffer): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** The log's public key as served by GET /v1/keys. */
export async function fetchLogKey(url: string): Promise<KeyObject> {
  const keys = (await (await fetch(`${url}/v1/keys`)).json()) as { keys: Array<{ purpose: string; publicKey: string }> };
  return createPublicKey(keys.keys.find((k) => k.purpose === "TLOG")!.publicKey);
}

/**
 * Reads a signed note "<origin>\n<size>\n<b64 root>\n\n— <name> <b64(hint‖sig)>\n" and checks its
 * signature with `logKey`; throws if it is not a checkpoint signed by that key.
 */
export function readCheckpoint(note: string, logKey: KeyObject): SeenCheckpoint {
  const split = note.indexOf("\n\n");
  if (split < 0) throw new Error(`not a signed note: ${JSON.stringify(note)}`);
  const body = note.slice(0, split + 1);
  const lines = body.split("\n");
  const sigLines = note
    .slice(split + 2)
    .trimEnd()
    .split("\n");
  const ok = sigLines.some((line) => {
    const sig = Buffer.from(line.split(" ")[2] ?? "", "base64").subarray(4);
    return sig.length > 0 && cryptoVerify("sha256", Buffer.from(body), logKey, sig);
  });
  if (!ok) throw new Error(`checkpoint signature does not verify: ${JSON.stringify(note)}`);
  return { size: Number(lines[1]), root: Buffer.from(lines[2]!, "base64"), note };
}

/** GET /v1/transparency with query parameters. */
export async function transparency(url: string, params: Record<string, string>): Promise<{ status: number; json: WireJson }> {
  const res = await fetch(`${url}/v1/transparency?${new URLSearchParams(params).toString()}`);
  return { status: res.status, json: await res.json() };
}

/** POST /v1/sign for `artifact`; the parsed answer, or undefined if the call failed in transit. */
export async function signOnce(
  url: string,
  artifact: Buffer,
  format: "dsse" | "message",
  signal?: AbortSignal,
): Promise<{ status: number; json: WireJson; retryAfter: string | null } | undefined> {
  try {
    const res = await fetch(`${url}/v1/sign`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        artifact: { digest: digestOf(artifact) },
        format: format === "dsse" ? "SIGNATURE_FORMAT_DSSE" : "SIGNATURE_FORMAT_MESSAGE_SIGNATURE",
      }),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text), retryAfter: res.headers.get("retry-after") };
  } catch {
    return undefined; // connection refused or reset, or a body cut off: the client received nothing
  }
}

/** Turns a 200 Sign answer into a ReceivedBundle (checks the client-side facts at once). */
export function received(json: WireJson, artifact: Buffer, format: "dsse" | "message", issuer: string): ReceivedBundle {
  const entry = json.bundle.verificationMaterial.tlogEntries[0];
  const leaf = hashLeaf(Buffer.from(entry.canonicalizedBody, "base64")).toString("hex");
  if (leaf !== json.entry.uuid) throw new Error(`uuid ${json.entry.uuid} is not the leaf hash ${leaf}`);
  return { bundle: json.bundle, artifact, format, logIndex: Number(json.entry.logIndex), uuid: json.entry.uuid, leafHash: leaf, issuer };
}

/** The checkpoint inside a received bundle's inclusion proof. */
export function bundleCheckpoint(b: ReceivedBundle, logKey: KeyObject): SeenCheckpoint {
  return readCheckpoint(b.bundle.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope, logKey);
}

/**
 * Stock @sigstore/verify over the served trusted root, as test/helpers/sigstore.ts sets it up,
 * with the trust material built once (it is the slow part) and reused for every bundle.
 */
export function stockVerifier(trustedRoot: unknown): (b: ReceivedBundle) => void {
  // Default policy: one SCT, one log entry, one timestamp.
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(trustedRoot)));
  return (b) => {
    const bundle = bundleFromJSON(b.bundle as SerializedBundle);
    verifier.verify(toSignedEntity(bundle, b.format === "message" ? b.artifact : undefined), {
      subjectAlternativeName: IDENTITY,
      extensions: { issuer: b.issuer },
    });
  };
}

/** Throws unless the log still holds `b` at the same index with the same leaf hash. */
export async function expectStillLogged(url: string, b: ReceivedBundle): Promise<void> {
  const { status, json } = await transparency(url, { logIndex: String(b.logIndex) });
  if (status !== 200) throw new Error(`entry ${b.logIndex} (uuid ${b.uuid}) was acknowledged but GET ?logIndex answers ${status} ${JSON.stringify(json)}`);
  const e = json.entries[0];
  const leaf = hashLeaf(Buffer.from(e.body, "base64")).toString("hex");
  if (e.uuid !== b.uuid || leaf !== b.leafHash) throw new Error(`entry ${b.logIndex}: was ${b.uuid}, now ${e.uuid} (leaf ${leaf})`);
}

/**
 * Throws unless the log proves `older` is a prefix of `newer` (a consistency proof from
 * GET /v1/transparency?firstSize&lastSize, checked with the independent RFC 9162 verifier).
 */
export async function expectConsistent(url: string, older: SeenCheckpoint, newer: SeenCheckpoint): Promise<void> {
  if (older.size > newer.size)
    throw new Error(`a checkpoint of size ${older.size} was published, but the log now has ${newer.size}: acknowledged entries were lost`);
  if (older.size === 0) return;
  if (older.size === newer.size) {
    if (!older.root.equals(newer.root)) throw new Error(`fork: two signed roots for size ${older.size}`);
    return;
  }
  const { status, json } = await transparency(url, { firstSize: String(older.size), lastSize: String(newer.size) });
  if (status !== 200) throw new Error(`consistency ${older.size}..${newer.size}: ${status} ${JSON.stringify(json)}`);
  const hashes = (json.consistencyProof.hashes as string[]).map((h) => Buffer.from(h, "base64"));
  if (!verifyConsistency(older.size, newer.size, older.root, newer.root, hashes)) {
    throw new Error(`fork: the checkpoint of size ${older.size} (root ${older.root.toString("hex")}) is not a prefix of size ${newer.size}`);
  }
}

/** The served trusted root (re-exported for the tests' convenience). */
export { fetchTrustedRoot };

/** A small seeded PRNG (mulberry32), so a run's random delays can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Percentile of an ascending array (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The service's signing issuer recorded in `<dataDir>/instance.json` at first start. */
export function recordedIssuer(dataDir: string): string {
  return (JSON.parse(readFileSync(join(dataDir, "instance.json"), "utf8")) as { issuer: string }).issuer;
}
