/**
 * An independent RFC 6962 CT monitor for tests, written from the RFC text and deliberately not
 * importing the production CT code: it reads a final certificate's embedded SCTs (with pkijs),
 * rebuilds the precertificate TBS and the Merkle tree leaf the SCT promises, checks the SCT and
 * STH signatures with the log key, and asks the log's RFC 6962 API for proofs, which it checks
 * with the independent Merkle reference (rfc6962.ts).
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { hashLeaf, verifyConsistency, verifyInclusion } from "./rfc6962.js";

const SCT_LIST_OID = "1.3.6.1.4.1.11129.2.4.2";

/** One SCT as RFC 6962 §3.2 lays it out. */
export interface ParsedSct {
  version: number;
  logId: Buffer;
  timestamp: bigint;
  extensions: Buffer;
  hashAlgorithm: number;
  signatureAlgorithm: number;
  signature: Buffer;
}

export interface Sth {
  tree_size: number;
  timestamp: number;
  sha256_root_hash: string;
  tree_head_signature: string;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest();
const u = (n: bigint | number, bytes: number) => {
  const out = Buffer.alloc(bytes);
  let v = BigInt(n);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
};

/** The SCTs embedded in a DER certificate. */
export function embeddedScts(certDer: Uint8Array): ParsedSct[] {
  const cert = pkijs.Certificate.fromBER(Buffer.from(certDer));
  const ext = cert.extensions?.find((e) => e.extnID === SCT_LIST_OID);
  if (!ext) return [];
  const inner = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  const list = Buffer.from((inner.result as asn1js.OctetString).valueBlock.valueHexView);
  const total = list.readUInt16BE(0);
  if (total !== list.length - 2) throw new Error("SCT list length mismatch");
  const out: ParsedSct[] = [];
  for (let off = 2; off < list.length;) {
    const len = list.readUInt16BE(off);
    const sct = list.subarray(off + 2, off + 2 + len);
    off += 2 + len;
    const extLen = sct.readUInt16BE(41);
    const sigStart = 43 + extLen;
    const sigLen = sct.readUInt16BE(sigStart + 2);
    out.push({
      version: sct[0]!,
      logId: Buffer.from(sct.subarray(1, 33)),
      timestamp: sct.readBigUInt64BE(33),
      extensions: Buffer.from(sct.subarray(43, 43 + extLen)),
      hashAlgorithm: sct[sigStart]!,
      signatureAlgorithm: sct[sigStart + 1]!,
      signature: Buffer.from(sct.subarray(sigStart + 4, sigStart + 4 + sigLen)),
    });
  }
  return out;
}

/** The precertificate TBS an embedded SCT covers: the final TBS without the SCT list (RFC 6962 §3.3). */
export function precertTbs(certDer: Uint8Array): Buffer {
  const cert = pkijs.Certificate.fromBER(Buffer.from(certDer));
  cert.extensions = cert.extensions!.filter((e) => e.extnID !== SCT_LIST_OID);
  return Buffer.from(cert.encodeTBS().toBER());
}

/** SHA-256 of the issuing certificate's SubjectPublicKeyInfo. */
export function issuerKeyHash(issuerDer: Uint8Array): Buffer {
  const issuer = pkijs.Certificate.fromBER(Buffer.from(issuerDer));
  return sha256(Buffer.from(issuer.subjectPublicKeyInfo.toSchema().toBER()));
}

/** `timestamp ‖ precert_entry ‖ issuer_key_hash ‖ tbs<3> ‖ extensions<2>`. */
function timestampedEntry(sct: ParsedSct, keyHash: Buffer, tbs: Buffer): Buffer {
  return Buffer.concat([u(sct.timestamp, 8), u(1, 2), keyHash, u(tbs.length, 3), tbs, u(sct.extensions.length, 2), sct.extensions]);
}

/** RFC 6962 §3.4 MerkleTreeLeaf of the precert entry an SCT promises. */
export function merkleLeafOf(sct: ParsedSct, keyHash: Buffer, tbs: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0, 0]), timestampedEntry(sct, keyHash, tbs)]);
}

/** Verifies an SCT's signature (§3.2) with the log key. */
export function sctSignatureValid(sct: ParsedSct, keyHash: Buffer, tbs: Buffer, logKey: KeyObject): boolean {
  if (sct.version !== 0 || sct.hashAlgorithm !== 4 || sct.signatureAlgorithm !== 3) return false;
  return cryptoVerify("sha256", Buffer.concat([Buffer.from([0, 0]), timestampedEntry(sct, keyHash, tbs)]), logKey, sct.signature);
}

/** Verifies an STH's signature (§3.5) with the log key. */
export function sthSignatureValid(sth: Sth, logKey: KeyObject): boolean {
  const sig = Buffer.from(sth.tree_head_signature, "base64");
  if (sig[0] !== 4 || sig[1] !== 3 || sig.readUInt16BE(2) !== sig.length - 4) return false;
  const input = Buffer.concat([Buffer.from([0, 1]), u(sth.timestamp, 8), u(sth.tree_size, 8), Buffer.from(sth.sha256_root_hash, "base64")]);
  return cryptoVerify("sha256", input, logKey, sig.subarray(4));
}

/** The log key from a trusted root's `ctlogs` entry. */
export function ctLogKey(entry: { publicKey: { rawBytes: string } }): KeyObject {
  return createPublicKey({ key: Buffer.from(entry.publicKey.rawBytes, "base64"), format: "der", type: "spki" });
}

async function get<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export const getSth = (logUrl: string) => get<Sth>(`${logUrl}/ct/v1/get-sth`);

/** Fetches and checks the inclusion of `leaf` in the tree of `sth` (§4.5). */
export async function checkInclusion(logUrl: string, leaf: Buffer, sth: Sth, tamper?: (path: Buffer[]) => void): Promise<{ ok: boolean; index: number }> {
  const leafHash = hashLeaf(leaf);
  const proof = await get<{ leaf_index: number; audit_path: string[] }>(
    `${logUrl}/ct/v1/get-proof-by-hash?hash=${encodeURIComponent(leafHash.toString("base64"))}&tree_size=${sth.tree_size}`,
  );
  const path = proof.audit_path.map((p) => Buffer.from(p, "base64"));
  tamper?.(path);
  return { ok: verifyInclusion(leafHash, proof.leaf_index, sth.tree_size, path, Buffer.from(sth.sha256_root_hash, "base64")), index: proof.leaf_index };
}

/** Fetches and checks the consistency of two STHs (§4.4). */
export async function checkConsistency(logUrl: string, first: Sth, second: Sth): Promise<boolean> {
  const proof = await get<{ consistency: string[] }>(`${logUrl}/ct/v1/get-sth-consistency?first=${first.tree_size}&second=${second.tree_size}`);
  return verifyConsistency(
    first.tree_size,
    second.tree_size,
    Buffer.from(first.sha256_root_hash, "base64"),
    Buffer.from(second.sha256_root_hash, "base64"),
    proof.consistency.map((p) => Buffer.from(p, "base64")),
  );
}

/** get-entries (§4.6). */
export const getEntries = (logUrl: string, start: number, end: number) =>
  get<{ entries: { leaf_input: string; extra_data: string }[] }>(`${logUrl}/ct/v1/get-entries?start=${start}&end=${end}`);
