/**
 * Rekor v1 proposed entries (`hashedrekord/0.0.1`, `dsse/0.0.1`) turned into the canonical bodies
 * the log stores — after verifying the signature with the submitted verifier, as Rekor does: a
 * log that accepted unverifiable entries would vouch for signatures nobody made.
 *
 * Everything here is hostile input: shapes are checked field by field and every refusal is a
 * `CompatHttpError(400)` naming the field.
 */
import { createHash } from "node:crypto";
import { json } from "@sigstore/core";
import { hashedRekordBody, type EntryBody } from "../rekor/entry-body.js";
import { CompatHttpError } from "./http.js";
import { certificateSubject, parseVerifier, preAuthEncoding, verifyDigest, verifyMessage, type VerifierKey } from "../verify/verifier-key.js";

/** A verified proposed entry, ready to append. */
export interface AcceptedEntry {
  readonly body: EntryBody;
  /** Search key for `POST /api/v1/index/retrieve` (`sha256:<hex>`). */
  readonly artifactDigest: string;
  /** The certificate's SAN, when the verifier is a certificate. */
  readonly signerSubject: string | undefined;
  /**
   * The verifiers whose signatures were checked, as parsed: what write admission looks at (an
   * entry is certified by this instance only when every one is a certificate from its CA).
   */
  readonly verifiers: readonly VerifierKey[];
}

/**
 * Largest canonical body stored for one entry, bytes. What the log keeps is hashes, signatures
 * and verifiers; a cosign or sigstore-js entry is 1–3 KiB. The bound keeps a request from being
 * stored many times larger than it was sent (an envelope repeating one signature with a large
 * certificate was stored 15× its size before this limit).
 */
export const MAX_STORED_BODY_BYTES = 16 * 1024;

function checkStoredSize(canonical: Buffer): void {
  if (canonical.length > MAX_STORED_BODY_BYTES) {
    throw new CompatHttpError(413, `the entry's canonical body would be ${canonical.length} bytes; this log stores at most ${MAX_STORED_BODY_BYTES} per entry`);
  }
}

/** Most signatures or verifiers accepted in one DSSE entry. */
const MAX_DSSE_SIGNATURES = 16;

const bad = (field: string, problem: string) => new CompatHttpError(400, `${field}: ${problem}`);

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad(field, "must be an object");
  return value as Record<string, unknown>;
}

function string(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0) throw bad(field, "must be a non-empty string");
  return value;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function base64(value: unknown, field: string): Buffer {
  const text = string(value, field);
  if (!BASE64.test(text)) throw bad(field, "must be base64");
  return Buffer.from(text, "base64");
}

function verifier(b64Pem: unknown, field: string): VerifierKey {
  const parsed = parseVerifier(base64(b64Pem, field).toString("latin1"));
  if ("problem" in parsed) throw bad(field, parsed.problem);
  return parsed;
}

/** Parses, checks and verifies a proposed entry (the body of `POST /api/v1/log/entries`). */
export function acceptProposedEntry(value: unknown): AcceptedEntry {
  const entry = object(value, "proposedEntry");
  const kind = entry["kind"];
  if (kind !== "hashedrekord" && kind !== "dsse") {
    throw bad("kind", `${JSON.stringify(kind)} is not accepted; this log takes hashedrekord and dsse entries`);
  }
  if (entry["apiVersion"] !== "0.0.1") throw bad("apiVersion", `${kind} entries must be version 0.0.1`);
  const spec = object(entry["spec"], "spec");
  return kind === "hashedrekord" ? acceptHashedRekord(spec) : acceptDsse(spec);
}

function acceptHashedRekord(spec: Record<string, unknown>): AcceptedEntry {
  const hash = object(object(spec["data"], "spec.data")["hash"], "spec.data.hash");
  const algorithm = hash["algorithm"] ?? "sha256";
  if (algorithm !== "sha256") throw bad("spec.data.hash.algorithm", "only sha256 is accepted by this log");
  const hex = string(hash["value"], "spec.data.hash.value");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw bad("spec.data.hash.value", "must be 64 hexadecimal characters");
  const digest = Buffer.from(hex, "hex");
  const signature = object(spec["signature"], "spec.signature");
  const sig = base64(signature["content"], "spec.signature.content");
  if (sig.length === 0 || sig.length > 1024) throw bad("spec.signature.content", "must be 1 to 1024 bytes");
  const key = verifier(object(signature["publicKey"], "spec.signature.publicKey")["content"], "spec.signature.publicKey.content");
  const result = verifyDigest(key.key, digest, sig);
  if (result.unsupported) throw bad("spec.signature.publicKey.content", result.unsupported);
  if (!result.valid) throw bad("spec.signature.content", "the signature does not verify over the digest with the given key");
  const body = hashedRekordBody(digest, sig, key.canonicalPem);
  checkStoredSize(body.canonical);
  return {
    body,
    artifactDigest: `sha256:${hex.toLowerCase()}`,
    signerSubject: certificateSubject(key.certificate),
    verifiers: [key],
  };
}

interface Envelope {
  payloadType: string;
  payload: Buffer;
  signatures: { sig: string; bytes: Buffer }[];
}

function parseEnvelope(text: string): Envelope {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad("spec.proposedContent.envelope", "is not JSON");
  }
  const env = object(raw, "spec.proposedContent.envelope");
  const payloadType = string(env["payloadType"], "envelope.payloadType");
  const payload = base64(env["payload"], "envelope.payload");
  const signatures = env["signatures"];
  if (!Array.isArray(signatures) || signatures.length === 0 || signatures.length > MAX_DSSE_SIGNATURES) {
    throw bad("envelope.signatures", `must hold 1 to ${MAX_DSSE_SIGNATURES} signatures`);
  }
  const seen = new Set<string>();
  return {
    payloadType,
    payload,
    signatures: signatures.map((s, i) => {
      const sig = string(object(s, `envelope.signatures[${i}]`)["sig"], `envelope.signatures[${i}].sig`);
      const bytes = base64(sig, `envelope.signatures[${i}].sig`);
      // A repeated signature adds nothing but stored bytes.
      const key = bytes.toString("base64");
      if (seen.has(key)) throw bad(`envelope.signatures[${i}]`, "repeats an earlier signature");
      seen.add(key);
      return { sig, bytes };
    }),
  };
}

/** The artifact digest an in-toto statement names first, for the search index (Rekor indexes every subject). */
function firstSubjectDigest(envelope: Envelope): string | undefined {
  if (envelope.payloadType !== "application/vnd.in-toto+json") return undefined;
  try {
    const statement = JSON.parse(envelope.payload.toString("utf8")) as { subject?: Array<{ digest?: Record<string, unknown> }> };
    const sha = statement.subject?.[0]?.digest?.["sha256"];
    return typeof sha === "string" && /^[0-9a-fA-F]{64}$/.test(sha) ? `sha256:${sha.toLowerCase()}` : undefined;
  } catch {
    return undefined;
  }
}

function acceptDsse(spec: Record<string, unknown>): AcceptedEntry {
  // null counts as absent: sigstore-python sends the read-only fields as null, which Rekor ignores.
  const given = (name: string) => spec[name] !== undefined && spec[name] !== null;
  if (given("envelopeHash") || given("payloadHash") || given("signatures")) {
    throw bad("spec", "give proposedContent only; envelopeHash, payloadHash and signatures are computed by the log");
  }
  const proposed = object(spec["proposedContent"], "spec.proposedContent");
  const envelopeJson = string(proposed["envelope"], "spec.proposedContent.envelope");
  const envelope = parseEnvelope(envelopeJson);
  const verifiers = proposed["verifiers"];
  if (!Array.isArray(verifiers) || verifiers.length === 0 || verifiers.length > MAX_DSSE_SIGNATURES) {
    throw bad("spec.proposedContent.verifiers", `must hold 1 to ${MAX_DSSE_SIGNATURES} verifiers`);
  }
  const keys = verifiers.map((v, i) => verifier(v, `spec.proposedContent.verifiers[${i}]`));
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  // Every signature must verify with one of the verifiers (Rekor's verifyEnvelope).
  const signed = envelope.signatures.map((s, i) => {
    const key = keys.find((k) => verifyMessage(k.key, pae, s.bytes));
    if (key === undefined) throw bad(`envelope.signatures[${i}]`, "does not verify over the DSSE PAE with any given verifier");
    return { signature: s.sig, verifier: Buffer.from(key.canonicalPem, "utf8").toString("base64"), key };
  });
  signed.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  const payloadHash = createHash("sha256").update(envelope.payload).digest("hex");
  const body = {
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: {
      envelopeHash: { algorithm: "sha256", value: createHash("sha256").update(envelopeJson).digest("hex") },
      payloadHash: { algorithm: "sha256", value: payloadHash },
      signatures: signed.map(({ signature, verifier: v }) => ({ signature, verifier: v })),
    },
  };
  const canonical = Buffer.from(json.canonicalize(body), "utf8");
  checkStoredSize(canonical);
  return {
    body: { kind: "dsse", apiVersion: "0.0.1", canonical },
    artifactDigest: firstSubjectDigest(envelope) ?? `sha256:${payloadHash}`,
    signerSubject: certificateSubject(signed[0]?.key.certificate),
    verifiers: signed.map((s) => s.key),
  };
}
