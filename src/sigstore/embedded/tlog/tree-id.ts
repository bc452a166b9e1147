/**
 * The log's Rekor-style tree ID: a positive 63-bit decimal number (Trillian's form), derived from
 * the log ID so it never changes. Rekor v1 puts it in checkpoint origins (`<host> - <treeID>`)
 * and in `GET /api/v1/log`; sigstore-go recognises a v1 log's checkpoints by that suffix.
 */
export function treeIdOf(logId: Uint8Array): string {
  return (BigInt(`0x${Buffer.from(logId).subarray(0, 8).toString("hex")}`) & 0x7fffffffffffffffn).toString();
}
