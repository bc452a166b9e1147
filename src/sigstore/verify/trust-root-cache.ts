/**
 * Trusted roots, validated and built once, shared by every verification.
 *
 * Building trust material parses every CA certificate and log key (about a millisecond for the
 * public-good root); doing it per request would dominate the cost of a verification. Roots are
 * keyed by the SHA-256 of their canonical JSON, so the same root sent in two requests with
 * different key order or whitespace is built once.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { json } from "@sigstore/core";
import { InvalidArgumentError } from "../../errors.js";
import { LruMap } from "./lru.js";
import { TrustedRootHandle, TrustRootProblem, validateTrustedRoot } from "./trust-root.js";

/** Distinct trusted roots kept built; a deployment uses one to a few, requests may bring more. */
export const DEFAULT_TRUST_ROOT_CACHE_SIZE = 64;

const cache = new LruMap<string, TrustedRootHandle>(DEFAULT_TRUST_ROOT_CACHE_SIZE);

/** Lowercase hex SHA-256 of the canonical JSON (RFC 8785 style) of a trusted root. */
export function trustedRootFingerprint(raw: unknown): string {
  return createHash("sha256").update(json.canonicalize(raw)).digest("hex");
}

/**
 * Validates a trusted root (parsed JSON) and returns its shared handle, building it only the first
 * time this root (by canonical content) is seen.
 *
 * @throws InvalidArgumentError (field `trustedRoot`) naming the first problem, for example a log
 *   key without `validFor.start`.
 */
export function loadTrustedRoot(raw: unknown): TrustedRootHandle {
  let fingerprint: string;
  try {
    fingerprint = trustedRootFingerprint(raw);
  } catch (err) {
    throw new InvalidArgumentError("trustedRoot", "is not JSON that can be canonicalized", { cause: err });
  }
  const cached = cache.get(fingerprint);
  if (cached) return cached;
  try {
    const handle = new TrustedRootHandle(fingerprint, validateTrustedRoot(raw));
    cache.set(fingerprint, handle);
    return handle;
  } catch (err) {
    const message = err instanceof TrustRootProblem ? err.message : `cannot be used (${err instanceof Error ? err.message : String(err)})`;
    throw new InvalidArgumentError("trustedRoot", message, { cause: err });
  }
}

/** Drops every cached root (tests; a TUF refresh does not need it, new content is a new key). */
export function clearTrustedRootCache(): void {
  cache.clear();
}

let publicGood: TrustedRootHandle | undefined;

/**
 * The public-good Sigstore trusted root shipped with the service (a snapshot; production keeps it
 * fresh through TUF). Read from `public-good-trusted_root.json` beside this module.
 *
 * The file is read rather than imported because the project's `tsconfig.json` does not include
 * JSON files (`composite` requires every imported file to be listed). From the compiled output
 * (`dist/src/sigstore/verify/`) the file is found back in `src/sigstore/verify/` unless the build
 * copies it.
 */
export function publicGoodTrustedRoot(): TrustedRootHandle {
  if (!publicGood) {
    const candidates = [
      new URL("./public-good-trusted_root.json", import.meta.url),
      new URL("../../../../src/sigstore/verify/public-good-trusted_root.json", import.meta.url),
    ];
    let text: string | undefined;
    for (const url of candidates) {
      try {
        text = readFileSync(url, "utf8");
        break;
      } catch {
        // try the next location
      }
    }
    if (text === undefined) throw new Error(`public-good-trusted_root.json not found (looked at ${candidates.map(String).join(", ")})`);
    publicGood = loadTrustedRoot(JSON.parse(text));
  }
  return publicGood;
}
