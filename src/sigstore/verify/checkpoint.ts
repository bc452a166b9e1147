/**
 * Verifies a log entry's checkpoint: a C2SP signed note whose body is a tlog-checkpoint.
 *
 * Replaces `@sigstore/verify`'s checkpoint step, which finds the log key for a note signature by
 * key hint and by requiring the signature's name to be a substring of the log's `baseUrl` in the
 * trusted root. The name is the log operator's choice and need not appear in its URL (a Rekor
 * deployed as `rekor-00001-deployment-…` behind `http://rekor.rekor-system…`), so real
 * checkpoints were refused. C2SP signed-note identifies a key by its name and key hint; the
 * trusted root carries no key name, so here:
 *
 * - the key is found by key hint: the first four bytes of the log's ID (logId, or checkpointKeyId
 *   where the root gives one), the ID Rekor v1 and v2 both use;
 * - the signature's name must be the checkpoint's origin (C2SP tlog-checkpoint: the origin is the
 *   log's key name), or the name Rekor v1 signs its shards under (origin `<name> - <tree ID>`),
 *   or, as before, part of the log's baseUrl;
 * - the signature must verify over the note body under that log's key. One verified signature
 *   from a trusted log is enough; signatures from unknown keys (witnesses) are ignored, as the
 *   spec requires.
 *
 * The log key being trusted is what makes a checkpoint genuine; the name rule only keeps a
 * signature from being read as a statement about another origin.
 */
import { crypto as sigstoreCrypto } from "@sigstore/core";
import type { TransparencyLogEntry } from "@sigstore/bundle";
import { VerificationError } from "@sigstore/verify";
import type { LogCheckpoint, TLogAuthority } from "./library-steps.js";

/** Longest signed note read (a checkpoint is a few hundred bytes; witnesses add a line each). */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;
/** Most signature lines read from one note. */
export const MAX_NOTE_SIGNATURES = 64;

const SEPARATOR = "\n\n";
/** `— <name> <base64>`; the name has no spaces (C2SP), the base64 is key hint ‖ signature. */
const SIGNATURE_LINE = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/;

interface NoteSignature {
  readonly name: string;
  readonly keyHint: Buffer;
  readonly signature: Buffer;
}

function invalid(message: string): VerificationError {
  return new VerificationError({ code: "TLOG_INCLUSION_PROOF_ERROR", message });
}

/** Splits a signed note into its body (with its final newline) and signatures. */
function parseSignedNote(envelope: string): { body: string; signatures: NoteSignature[] } {
  if (envelope.length > MAX_CHECKPOINT_BYTES) throw invalid(`checkpoint is ${envelope.length} bytes, more than ${MAX_CHECKPOINT_BYTES}`);
  const split = envelope.indexOf(SEPARATOR);
  if (split < 0) throw invalid("missing checkpoint separator");
  const body = envelope.slice(0, split + 1);
  const lines = envelope.slice(split + SEPARATOR.length).split("\n");
  // The signature block ends with a newline, so the last element is empty.
  if (lines.pop() !== "") throw invalid("no signatures found in checkpoint (the note must end with a newline)");
  const signatures: NoteSignature[] = [];
  for (const line of lines.slice(0, MAX_NOTE_SIGNATURES)) {
    const match = SIGNATURE_LINE.exec(line);
    const [, name, encoded] = match ?? [];
    if (name === undefined || encoded === undefined) continue; // not a signature line we can read: an unknown key's, ignored
    const bytes = Buffer.from(encoded, "base64");
    if (bytes.length < 5) throw invalid("malformed checkpoint signature");
    signatures.push({ name, keyHint: bytes.subarray(0, 4), signature: bytes.subarray(4) });
  }
  if (signatures.length === 0) throw invalid("no signatures found in checkpoint");
  return { body, signatures };
}

/** Reads `<origin>\n<size>\n<base64 root hash>\n[extensions…]`. */
function parseCheckpointBody(body: string): LogCheckpoint {
  const lines = body.trimEnd().split("\n");
  if (lines.length < 3) throw invalid("too few lines in checkpoint header");
  const [origin, size, root] = lines as [string, string, string];
  if (!/^\d{1,20}$/.test(size)) throw invalid("invalid checkpoint log size");
  return { origin, logSize: BigInt(size), logHash: Buffer.from(root, "base64") };
}

/** Whether a signature's name may speak for this checkpoint's origin (see the module comment). */
function nameFitsOrigin(name: string, origin: string, log: TLogAuthority): boolean {
  return name === origin || origin.startsWith(`${name} - `) || log.baseURL.includes(name);
}

/**
 * Verifies `entry`'s checkpoint against the logs whose ID is the entry's log ID, and returns it.
 * @throws VerificationError (TLOG_INCLUSION_PROOF_ERROR) when no trusted log signed it
 */
export function verifyCheckpoint(entry: TransparencyLogEntry, tlogs: readonly TLogAuthority[]): LogCheckpoint {
  const envelope = entry.inclusionProof?.checkpoint?.envelope;
  if (typeof envelope !== "string") throw invalid("missing checkpoint");
  const note = parseSignedNote(envelope);
  const checkpoint = parseCheckpointBody(note.body);
  const data = Buffer.from(note.body, "utf8");
  const signed = note.signatures.some((sig) =>
    tlogs.some(
      (log) =>
        sigstoreCrypto.bufferEqual(log.logID.subarray(0, 4), sig.keyHint) &&
        nameFitsOrigin(sig.name, checkpoint.origin, log) &&
        sigstoreCrypto.verify(data, log.publicKey, sig.signature),
    ),
  );
  if (!signed) throw invalid("invalid checkpoint signature");
  return checkpoint;
}
