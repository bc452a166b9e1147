/**
 * What a caller asks the log to append, and the checks made before it is queued.
 *
 * The body must already be the canonical JSON (RFC 8785, `@sigstore/core` `json.canonicalize`) of
 * a Rekor v1 entry whose `kind`/`apiVersion` match the request: verifiers compare them with the
 * bundle's `kindVersion`, and the leaf hash — the entry's identity — is over these exact bytes.
 * Checking here turns a caller's mistake into `InvalidArgumentError` before it costs a batch slot.
 */
import { json } from "@sigstore/core";
import { InvalidArgumentError } from "../../../errors.js";
import type { EntryApiVersion, EntryKind } from "./entry.js";

/** Largest canonicalized body accepted by default, in bytes. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Longest artifact digest or signer subject kept for search, in characters. */
export const MAX_SEARCH_KEY_CHARS = 1024;

const KINDS: ReadonlySet<string> = new Set<EntryKind>(["hashedrekord", "dsse"]);

/** One entry to append. */
export interface AppendRequest {
  readonly kind: EntryKind;
  readonly apiVersion: EntryApiVersion;
  /** Canonical JSON of the Rekor entry body; becomes the Merkle leaf. */
  readonly canonicalBody: Buffer;
  /** For `findByDigest`, e.g. "sha256:<hex>". Not part of the leaf. */
  readonly artifactDigest?: string | undefined;
  /** For `findBySubject`: the signing identity (certificate SAN). Not part of the leaf. */
  readonly signerSubject?: string | undefined;
}

function checkSearchKey(field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_SEARCH_KEY_CHARS) {
    throw new InvalidArgumentError(field, `must be a non-empty string of at most ${MAX_SEARCH_KEY_CHARS} characters`);
  }
}

/** Throws `InvalidArgumentError` unless `request` can be appended as is. */
export function validateAppendRequest(request: AppendRequest, maxBodyBytes: number = DEFAULT_MAX_BODY_BYTES): void {
  // Checked field by field whatever the types say: requests are built from callers' input.
  const given = request as { readonly [K in keyof AppendRequest]?: unknown } | null;
  if (typeof given !== "object" || given === null) throw new InvalidArgumentError("entry", "is required");
  if (typeof given.kind !== "string" || !KINDS.has(given.kind)) throw new InvalidArgumentError("kind", "must be hashedrekord or dsse");
  if (given.apiVersion !== "0.0.1") throw new InvalidArgumentError("apiVersion", "must be 0.0.1");
  const body = given.canonicalBody;
  if (!(body instanceof Uint8Array) || body.byteLength === 0) {
    throw new InvalidArgumentError("canonicalBody", "must be non-empty bytes");
  }
  if (body.byteLength > maxBodyBytes) throw new InvalidArgumentError("canonicalBody", `exceeds ${maxBodyBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  } catch {
    throw new InvalidArgumentError("canonicalBody", "is not JSON");
  }
  const fields = parsed as { kind?: unknown; apiVersion?: unknown } | null;
  if (typeof fields !== "object" || fields === null || fields.kind !== request.kind || fields.apiVersion !== request.apiVersion) {
    throw new InvalidArgumentError("canonicalBody", "kind/apiVersion do not match the request");
  }
  let canonical: string | undefined;
  try {
    canonical = json.canonicalize(parsed);
  } catch {
    canonical = undefined; // too deeply nested to canonicalize: not a Rekor body either
  }
  if (canonical === undefined || !Buffer.from(canonical, "utf8").equals(body)) {
    throw new InvalidArgumentError("canonicalBody", "is not in canonical JSON form");
  }
  checkSearchKey("artifactDigest", request.artifactDigest);
  checkSearchKey("signerSubject", request.signerSubject);
}
