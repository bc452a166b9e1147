/**
 * RFC 9162 §2.1.3.2 inclusion-proof verification with WebCrypto, so the console can show that an
 * entry's proof leads to the root hash of the signed checkpoint without trusting the page's
 * server-side rendering of it.
 */
import { equalBytes } from "./encoding.js";

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

/** The RFC 6962 leaf hash of an entry body: SHA-256(0x00 || body). */
export function leafHash(body: Uint8Array): Promise<Uint8Array> {
  return sha256(Uint8Array.of(0), body);
}

/** True when `path` proves the leaf at `index` is in the tree of `treeSize` with root `root`. */
export async function verifyInclusion(leaf: Uint8Array, index: bigint, treeSize: bigint, path: readonly Uint8Array[], root: Uint8Array): Promise<boolean> {
  if (index < 0n || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1n;
  let r = leaf;
  const node = Uint8Array.of(1);
  for (const p of path) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(node, p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await sha256(node, r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(r, root);
}
