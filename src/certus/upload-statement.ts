/**
 * The outer signature of a `verified` upload: an in-toto Statement v1 whose subjects are every
 * artifact of the scan (name, SHA-256) and whose predicate records the scan, the upload manifest
 * digest the inner signature covers, the inner signature itself (signer, signature, verifier,
 * log entry) and the decision. VerifyChain reads it back to check that an outer signature covers
 * a given inner signature and the digests of stored copies.
 */
import { IN_TOTO_STATEMENT_V1 } from "../rpc/statement.js";

/** Predicate type of upload permissions. */
export const UPLOAD_PERMISSION_PREDICATE_TYPE = "https://certus.cloud/trust/upload-permission/v1";

/** The predicate's record of the inner signature. */
export interface RecordedInner {
  signer: string;
  issuer?: string;
  /** base64 of the signature bytes. */
  signature: string;
  /** PEM certificate or public key that verified it. */
  verifier: string;
  /** `bundle`, `certificate` or `key`. */
  mode: string;
  logEntryUuid?: string;
}

/** The predicate of an upload permission statement. */
export interface UploadPredicate {
  scanId: string;
  tier: string;
  uploadPermissionId: string;
  permittedAt: string;
  requester: string;
  policy: { name: string; version: string };
  manifestDigest: string;
  metadata: { gitUrl: string; branch: string; commit: string; requestedBy: string };
  inner: RecordedInner;
}

/** An artifact subject. */
export interface StatementSubject {
  name: string;
  /** `sha256:<hex>` */
  digest: string;
}

/** Serializes the statement (stable key order). */
export function uploadStatement(subjects: readonly StatementSubject[], predicate: UploadPredicate): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: IN_TOTO_STATEMENT_V1,
      subject: subjects.map((s) => ({ name: s.name, digest: { sha256: s.digest.slice("sha256:".length) } })),
      predicateType: UPLOAD_PERMISSION_PREDICATE_TYPE,
      predicate,
    }),
    "utf8",
  );
}

/** A statement read back from a DSSE payload. */
export interface ParsedUploadStatement {
  subjects: StatementSubject[];
  predicate: UploadPredicate;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Reads an upload statement from a DSSE payload (untrusted bytes: anything else is undefined,
 * never an exception). The caller must have verified the envelope's signature first.
 */
export function parseUploadStatement(payload: Buffer): ParsedUploadStatement | undefined {
  if (payload.length > 1024 * 1024) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString("utf8"));
  } catch {
    return undefined;
  }
  const s = doc as { _type?: unknown; predicateType?: unknown; subject?: unknown; predicate?: unknown };
  if (s._type !== IN_TOTO_STATEMENT_V1 || s.predicateType !== UPLOAD_PERMISSION_PREDICATE_TYPE || !Array.isArray(s.subject)) return undefined;
  const subjects: StatementSubject[] = [];
  for (const item of s.subject as unknown[]) {
    const it = item as { name?: unknown; digest?: { sha256?: unknown } };
    if (typeof it.name !== "string" || typeof it.digest?.sha256 !== "string" || !HEX64.test(it.digest.sha256)) return undefined;
    subjects.push({ name: it.name, digest: `sha256:${it.digest.sha256}` });
  }
  const p = s.predicate as Partial<UploadPredicate> | undefined;
  if (!p || typeof p.scanId !== "string" || typeof p.manifestDigest !== "string" || typeof p.inner?.signature !== "string") return undefined;
  return { subjects, predicate: p as UploadPredicate };
}
