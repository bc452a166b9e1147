/**
 * Reading Sigstore bundles (`bundle.sigstore.json`) from outside: size-limited, strict proto3
 * JSON, and a malformed one is a `TrustError` with `invalid_argument` (the caller's mistake, the
 * same code the server would answer) rather than a `SyntaxError`.
 */
import { Code } from "@connectrpc/connect";
import { fromJson, isMessage, type JsonValue } from "@bufbuild/protobuf";
import { BundleSchema, type Bundle } from "./gen/sigstore_bundle_pb.js";
import { TrustError } from "./errors.js";

/** The largest bundle JSON the SDK reads, in bytes (a bundle is a few KiB; 8 MiB is generous). */
export const MAX_BUNDLE_BYTES = 8 * 1024 * 1024;

/** A bundle as a message, its JSON text or bytes, or its already-parsed JSON value. */
export type BundleInput = Bundle | string | Uint8Array | JsonValue;

/** Reads a bundle from any `BundleInput`; throws `TrustError` (`invalid_argument`) when it is not one. */
export function parseBundle(input: BundleInput, source = "bundle"): Bundle {
  if (isMessage(input, BundleSchema)) return input;
  let json: JsonValue;
  if (typeof input === "string" || input instanceof Uint8Array) {
    const size = typeof input === "string" ? new TextEncoder().encode(input).byteLength : input.byteLength;
    if (size > MAX_BUNDLE_BYTES) throw malformed(source, `is ${size} bytes, more than the ${MAX_BUNDLE_BYTES} a bundle may have`);
    const text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: false }).decode(input);
    try {
      json = JSON.parse(text) as JsonValue;
    } catch (err) {
      throw malformed(source, "is not JSON", err);
    }
  } else {
    json = input;
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw malformed(source, "is not a JSON object");
  try {
    return fromJson(BundleSchema, json, { ignoreUnknownFields: false });
  } catch (err) {
    throw malformed(source, `is not a Sigstore bundle: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

function malformed(source: string, what: string, cause?: unknown): TrustError {
  return new TrustError({
    code: Code.InvalidArgument,
    message: `${source} ${what}`,
    violations: [{ field: "bundle", description: what }],
    cause,
  });
}
