/**
 * Parsing and verifying signed checkpoints that come from outside (a client, a peer log, a test).
 *
 * The bytes are hostile: the parser bounds the size and the number of signatures, accepts only
 * the exact C2SP signed-note and tlog-checkpoint grammar (strict base64, canonical decimal size,
 * no control characters), and reports every failure as a {@link CheckpointError} with a reason
 * code — never a raw SyntaxError or RangeError.
 */
import { createPublicKey, timingSafeEqual, verify, type KeyObject } from "node:crypto";
import { InvalidArgumentError } from "../../errors.js";
import { isValidNoteName, isValidOrigin, keyHint, SIGNATURE_LINE_PREFIX, type Checkpoint } from "./checkpoint.js";
import { HASH_SIZE } from "./merkle.js";

/** Largest signed note accepted, in bytes (a checkpoint is a few hundred). */
export const MAX_NOTE_BYTES = 64 * 1024;
/** Most signature lines accepted on one note (as golang.org/x/mod/sumdb/note). */
export const MAX_NOTE_SIGNATURES = 100;

/** Why a signed checkpoint was refused. */
export type CheckpointErrorReason = "TOO_LARGE" | "MALFORMED_NOTE" | "MALFORMED_CHECKPOINT" | "UNKNOWN_KEY" | "BAD_SIGNATURE" | "WRONG_ORIGIN";

/** A signed checkpoint that is malformed or does not verify; `reason` is the stable code. */
export class CheckpointError extends InvalidArgumentError {
  readonly reason: CheckpointErrorReason;

  constructor(reason: CheckpointErrorReason, message: string) {
    super("checkpoint", message);
    this.name = "CheckpointError";
    this.reason = reason;
  }
}

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  /** First 4 bytes of the signature blob. */
  readonly keyHint: Buffer;
  readonly signature: Buffer;
}

/** A note split into its signed text (ending in "\n") and its signature lines. */
export interface SignedNote {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** Decodes standard padded base64, refusing anything Buffer.from would silently skip. */
function strictBase64(value: string): Buffer | undefined {
  if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, "base64");
  return bytes.toString("base64") === value ? bytes : undefined;
}

/** Splits a signed note (C2SP signed-note) into text and signatures. */
export function parseSignedNote(input: string | Uint8Array): SignedNote {
  const byteLength = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
  if (byteLength > MAX_NOTE_BYTES) throw new CheckpointError("TOO_LARGE", `note exceeds ${MAX_NOTE_BYTES} bytes`);
  let note: string;
  try {
    note = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch {
    throw new CheckpointError("MALFORMED_NOTE", "note is not valid UTF-8");
  }
  // eslint-disable-next-line no-control-regex -- the point: no control character but the newline
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note) || !note.isWellFormed()) {
    throw new CheckpointError("MALFORMED_NOTE", "note contains control characters or invalid text");
  }
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new CheckpointError("MALFORMED_NOTE", "missing blank line before signatures");
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block.length === 0 || !block.endsWith("\n")) {
    throw new CheckpointError("MALFORMED_NOTE", "signature block must be non-empty and end in a newline");
  }
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_NOTE_SIGNATURES) throw new CheckpointError("TOO_LARGE", "too many signatures");
  const signatures = lines.map((line): NoteSignature => {
    const parts = line.startsWith(SIGNATURE_LINE_PREFIX) ? line.slice(SIGNATURE_LINE_PREFIX.length).split(" ") : [];
    const [name, b64] = parts;
    const blob = parts.length === 2 && b64 !== undefined ? strictBase64(b64) : undefined;
    if (name === undefined || !isValidNoteName(name) || blob === undefined || blob.length < 5) {
      throw new CheckpointError("MALFORMED_NOTE", "malformed signature line");
    }
    return { name, keyHint: blob.subarray(0, 4), signature: blob.subarray(4) };
  });
  return { text, signatures };
}

/** Parses a checkpoint body (C2SP tlog-checkpoint): origin, size, root, optional extension lines. */
export function parseCheckpointBody(text: string): Checkpoint & { readonly extensions: readonly string[] } {
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : [];
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (origin === undefined || sizeLine === undefined || rootLine === undefined || !isValidOrigin(origin)) {
    throw new CheckpointError("MALFORMED_CHECKPOINT", "checkpoint needs origin, size and root lines");
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) {
    throw new CheckpointError("MALFORMED_CHECKPOINT", "invalid tree size");
  }
  const rootHash = strictBase64(rootLine);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE) {
    throw new CheckpointError("MALFORMED_CHECKPOINT", "invalid root hash");
  }
  if (extensions.some((line) => line.length === 0)) {
    throw new CheckpointError("MALFORMED_CHECKPOINT", "empty extension line");
  }
  return { origin, treeSize: Number(sizeLine), rootHash, extensions };
}

/** The key a checkpoint must be signed with. */
export interface CheckpointVerifier {
  /** Signature name to look for (our logs use their origin). */
  readonly name: string;
  /** The log's public key: SPKI DER or a KeyObject. */
  readonly publicKey: Uint8Array | KeyObject;
  /** If set, the checkpoint's origin must equal it. */
  readonly origin?: string;
}

/**
 * Parses a signed checkpoint and checks the signature by `verifier`'s key (found by name and key
 * hint, as `@sigstore/verify` does). Returns the checkpoint; throws {@link CheckpointError}.
 */
export function verifySignedCheckpoint(input: string | Uint8Array, verifier: CheckpointVerifier): Checkpoint {
  const note = parseSignedNote(input);
  const checkpoint = parseCheckpointBody(note.text);
  if (verifier.origin !== undefined && checkpoint.origin !== verifier.origin) {
    throw new CheckpointError("WRONG_ORIGIN", "checkpoint is from another log");
  }
  const key =
    verifier.publicKey instanceof Uint8Array ? createPublicKey({ key: Buffer.from(verifier.publicKey), format: "der", type: "spki" }) : verifier.publicKey;
  const hint = keyHint(key.export({ format: "der", type: "spki" }));
  const candidates = note.signatures.filter((s) => s.name === verifier.name && timingSafeEqual(s.keyHint, hint));
  if (candidates.length === 0) throw new CheckpointError("UNKNOWN_KEY", "no signature by the expected key");
  const data = Buffer.from(note.text, "utf8");
  const ok = candidates.some((s) => {
    try {
      return verify("sha256", data, key, s.signature);
    } catch {
      return false; // a signature that is not valid DER is just a bad signature
    }
  });
  if (!ok) throw new CheckpointError("BAD_SIGNATURE", "checkpoint signature does not verify");
  return { origin: checkpoint.origin, treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash };
}
