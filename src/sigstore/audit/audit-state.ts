/**
 * The auditor's memory: the last checkpoint it verified, so the next run proves the log only
 * grew since (a consistency proof) and never accepted a different history, and the log key it
 * verified with, pinned so a swapped key is noticed rather than trusted.
 *
 * A small JSON file (default `./.certus-trust-auditor.json`), replaced atomically (temp file,
 * fsync, rename) and only after a run found no problem. Read defensively: bounded, validated.
 */
import { replaceFileAtomic } from "../../fs/atomic-file.js";
import { readFile } from "node:fs/promises";

/** Default state file, relative to the working directory. */
export const DEFAULT_AUDIT_STATE_FILE = "./.certus-trust-auditor.json";

/** Largest state file read, in bytes. */
const MAX_STATE_BYTES = 256 * 1024;

/** What the auditor keeps between runs. */
export interface AuditState {
  /** Checkpoint origin of the audited log. */
  readonly origin: string;
  /** Hex SHA-256 of the log key's SPKI (the log ID) the checkpoint was verified with. */
  readonly logId: string;
  /** The verified checkpoint (signed note). */
  readonly checkpoint: string;
  readonly treeSize: number;
  /** Base64 root hash. */
  readonly rootHash: string;
  /** Largest tree size whose every entry was re-verified (`--full`); 0 if never. */
  readonly fullyVerifiedSize: number;
  /** ISO 8601: when this state was written. */
  readonly verifiedAt: string;
}

/** Why a state file was refused. */
export class AuditStateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AuditStateError";
  }
}

/** Reads the state file; undefined if it does not exist. Throws {@link AuditStateError} if damaged. */
export async function readAuditState(file: string): Promise<AuditState | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new AuditStateError(`cannot read ${file}`, { cause: err });
  }
  const damaged = () => new AuditStateError(`${file} is not an auditor state file (delete it to start over, losing the pinned checkpoint)`);
  if (bytes.length > MAX_STATE_BYTES) throw damaged();
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw damaged();
  }
  const s = value as Partial<AuditState> | null;
  if (
    s === null ||
    typeof s !== "object" ||
    typeof s.origin !== "string" ||
    typeof s.logId !== "string" ||
    !/^[0-9a-f]{64}$/.test(s.logId) ||
    typeof s.checkpoint !== "string" ||
    typeof s.rootHash !== "string" ||
    typeof s.verifiedAt !== "string" ||
    typeof s.treeSize !== "number" ||
    !Number.isSafeInteger(s.treeSize) ||
    s.treeSize < 0 ||
    !Number.isSafeInteger(s.fullyVerifiedSize ?? 0)
  ) {
    throw damaged();
  }
  return { ...(s as AuditState), fullyVerifiedSize: s.fullyVerifiedSize ?? 0 };
}

/** Atomically replaces the state file. */
export async function writeAuditState(file: string, state: AuditState): Promise<void> {
  await replaceFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
}
