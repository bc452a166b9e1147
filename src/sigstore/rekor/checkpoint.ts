/**
 * Checkpoints: the log's signed statement "my tree of N leaves has root R".
 *
 * Format (C2SP tlog-checkpoint inside a C2SP signed-note), as `@sigstore/verify` checks it in
 * `dist/tlog/checkpoint.js`:
 *
 *     <origin>\n<tree size>\n<base64 root hash>\n
 *     \n
 *     — <name> <base64(key hint ‖ DER ECDSA-SHA256 signature over the three body lines)>\n
 *
 * Sigstore's key hint for an ECDSA log key is the first 4 bytes of SHA-256(SPKI DER), i.e. the
 * first 4 bytes of the log ID — not the C2SP note key ID — so stock verifiers find the key. The
 * verifier accepts a signature line only if the trusted root's tlog `baseUrl.includes(name)`, so
 * the name (we use the origin) must be a substring of the baseUrl published in trusted_root.json.
 * The final newline is required: without it the verifier finds no signature.
 */
import { createHash } from "node:crypto";
import type { KeySigner } from "../keys/key-signer.js";

/** What a checkpoint commits to. */
export interface Checkpoint {
  /** Identifies the log; unique per log, no whitespace. */
  readonly origin: string;
  /** Number of leaves in the tree. */
  readonly treeSize: number;
  /** RFC 6962 root hash of that tree (32 bytes). */
  readonly rootHash: Buffer;
}

/** Signature line prefix: em dash (U+2014) and a space. */
export const SIGNATURE_LINE_PREFIX = "\u2014 ";

/**
 * True when `name` can be a note key name or checkpoint origin: non-empty, no whitespace, no '+'
 * (C2SP signed-note), no control characters.
 */
export function isValidNoteName(name: string): boolean {
  return name.length > 0 && name.length <= 256 && !/[\s+\p{Cc}]/u.test(name);
}

/**
 * A checkpoint origin line: any printable text (Rekor v1 writes `<host> - <treeID>`, with spaces),
 * no line breaks or control characters.
 */
export function isValidOrigin(origin: string): boolean {
  return origin.length > 0 && origin.length <= 256 && !/\p{Cc}/u.test(origin) && origin.trim() === origin;
}

/** Sigstore's key hint: first 4 bytes of SHA-256 of the SPKI DER (= logID[0:4]). */
export function keyHint(publicKeySpki: Uint8Array): Buffer {
  return createHash("sha256").update(publicKeySpki).digest().subarray(0, 4);
}

/** The signed body: `"<origin>\n<size>\n<b64 root>\n"`. */
export function checkpointBody(checkpoint: Checkpoint): string {
  return `${checkpoint.origin}\n${checkpoint.treeSize}\n${checkpoint.rootHash.toString("base64")}\n`;
}

/**
 * Signs `checkpoint` with the log key and returns the whole signed note, ready for
 * `inclusionProof.checkpoint.envelope`. `name` defaults to the origin.
 */
export async function signCheckpoint(checkpoint: Checkpoint, signer: KeySigner, name: string = checkpoint.origin): Promise<string> {
  if (!isValidOrigin(checkpoint.origin)) throw new TypeError(`invalid checkpoint origin: ${JSON.stringify(checkpoint.origin)}`);
  if (!isValidNoteName(name)) throw new TypeError(`invalid note name: ${JSON.stringify(name)}`);
  const body = checkpointBody(checkpoint);
  const signature = await signer.sign(Buffer.from(body, "utf8"));
  const blob = Buffer.concat([keyHint(signer.publicKeySpki), signature]).toString("base64");
  return `${body}\n${SIGNATURE_LINE_PREFIX}${name} ${blob}\n`;
}
