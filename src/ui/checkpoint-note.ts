/**
 * Reads the body of a C2SP signed checkpoint note (origin, tree size, base64 root hash). The
 * console shows it; the signature is the service's to check (GetTransparency, Verify), not the page's.
 */
import { fromBase64 } from "./encoding.js";

export interface CheckpointBody {
  origin: string;
  treeSize: bigint;
  rootHash: Uint8Array;
}

/** The note's body, or undefined when it is not a checkpoint. */
export function parseCheckpoint(note: string): CheckpointBody | undefined {
  const [origin, size, root] = note.split("\n");
  if (!origin || !size || !root || !/^\d{1,20}$/.test(size)) return undefined;
  const rootHash = fromBase64(root);
  if (rootHash === undefined || rootHash.length !== 32) return undefined;
  return { origin, treeSize: BigInt(size), rootHash };
}
