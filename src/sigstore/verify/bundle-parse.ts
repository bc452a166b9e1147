/**
 * Turns an untrusted, already JSON-parsed Sigstore bundle into `@sigstore/bundle`'s typed form.
 *
 * `bundleFromJSON` (protobuf-ts `fromJSON`) is lenient where a verifier must not be: it decodes
 * `"INVALID!!!BASE64"` into some bytes, takes `"-1"` as a log index, and lets a `TypeError` escape
 * on a wrong type. Those bundles are rejected later anyway, but with a misleading reason (an
 * invalid SET) or an exception; here they become one `BUNDLE_MALFORMED` verdict that names the
 * field. Nothing in this module throws.
 */
import { rfc3161ShapeProblem } from "./rfc3161-shape.js";
import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  bundleFromJSON,
  type Bundle,
} from "@sigstore/bundle";
import { failure, quote, type VerificationFailure } from "./failures.js";
import { checkJsonBounds, DEFAULT_BUNDLE_LIMITS, type JsonLimits } from "./json-limits.js";

/** The outcome of {@link parseBundle}: the typed bundle, or why it is not one. */
export type ParsedBundle = { ok: true; bundle: Bundle } | { ok: false; failure: VerificationFailure };

type Json = Record<string, unknown>;

/**
 * The bundle versions this verifier understands. `@sigstore/bundle` accepts any `version=d.d`;
 * a future version may change what a field means, so an unknown one is refused, not guessed at.
 */
export const KNOWN_MEDIA_TYPES: ReadonlySet<string> = new Set([
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
]);

/**
 * Canonical or URL-safe base64, padded or not: what proto3 JSON accepts for `bytes`. One character
 * class, so a long near-miss cannot make the match backtrack exponentially.
 */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
/** proto3 JSON int64: a decimal string (or number); negative values are never valid here. */
const UINT64 = /^(?:0|[1-9][0-9]{0,19})$/;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isBase64(value: unknown): boolean {
  if (typeof value !== "string") return false;
  // Line breaks are ignored, as Go's decoder (and so cosign and sigstore-go) ignores them.
  const text = value.includes("\n") || value.includes("\r") ? value.replace(/[\r\n]/g, "") : value;
  if (!BASE64.test(text)) return false;
  const unpadded = text.replace(/=+$/, "");
  if (unpadded.length % 4 === 1) return false;
  return text.length === unpadded.length || text.length % 4 === 0;
}

function isUint64(value: unknown): boolean {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0;
  return typeof value === "string" && UINT64.test(value);
}

/** Adds a problem when `value` is present and is not well-formed base64. */
function bytesField(problems: string[], path: string, value: unknown, required = false): void {
  if (value === undefined) {
    if (required) problems.push(`${path} is missing`);
    return;
  }
  if (!isBase64(value)) problems.push(`${path} is not base64: ${quote(value, 40)}`);
}

function uintField(problems: string[], path: string, value: unknown): void {
  if (value !== undefined && !isUint64(value)) {
    problems.push(`${path} must be a non-negative integer, found ${quote(value, 40)}`);
  }
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Field-level checks that protobuf's `fromJSON` skips. Returns problems in document order. */
function checkFields(raw: Json): string[] {
  const problems: string[] = [];
  const content = raw["messageSignature"] ?? raw["dsseEnvelope"];
  if (raw["messageSignature"] !== undefined && raw["dsseEnvelope"] !== undefined) {
    problems.push("bundle has both messageSignature and dsseEnvelope");
  }
  if (!isObject(content)) {
    problems.push("bundle has neither a messageSignature nor a dsseEnvelope object");
  } else if (raw["messageSignature"] !== undefined) {
    bytesField(problems, "messageSignature.signature", content["signature"], true);
    const md = content["messageDigest"];
    if (!isObject(md)) problems.push("messageSignature.messageDigest is missing");
    else bytesField(problems, "messageSignature.messageDigest.digest", md["digest"], true);
  } else {
    bytesField(problems, "dsseEnvelope.payload", content["payload"], true);
    const sigs = arrayOf(content["signatures"]);
    if (sigs.length !== 1) problems.push(`dsseEnvelope must have exactly 1 signature, found ${sigs.length}`);
    sigs.forEach((s, i) => bytesField(problems, `dsseEnvelope.signatures[${i}].sig`, isObject(s) ? s["sig"] : s, true));
  }

  const vm = raw["verificationMaterial"];
  if (!isObject(vm)) {
    problems.push("verificationMaterial is missing");
    return problems;
  }
  const cert = vm["certificate"];
  if (isObject(cert)) bytesField(problems, "verificationMaterial.certificate.rawBytes", cert["rawBytes"], true);
  const chain = vm["x509CertificateChain"];
  if (isObject(chain)) {
    const certs = arrayOf(chain["certificates"]);
    if (certs.length === 0) problems.push("verificationMaterial.x509CertificateChain has no certificates");
    certs.forEach((c, i) =>
      bytesField(problems, `verificationMaterial.x509CertificateChain.certificates[${i}].rawBytes`, isObject(c) ? c["rawBytes"] : c, true),
    );
  }
  arrayOf(vm["tlogEntries"]).forEach((e, i) => {
    const at = `verificationMaterial.tlogEntries[${i}]`;
    if (!isObject(e)) {
      problems.push(`${at} is not an object`);
      return;
    }
    uintField(problems, `${at}.logIndex`, e["logIndex"]);
    uintField(problems, `${at}.integratedTime`, e["integratedTime"]);
    bytesField(problems, `${at}.logId.keyId`, isObject(e["logId"]) ? e["logId"]["keyId"] : undefined, true);
    bytesField(problems, `${at}.canonicalizedBody`, e["canonicalizedBody"], true);
    const promise = e["inclusionPromise"];
    if (isObject(promise)) bytesField(problems, `${at}.inclusionPromise.signedEntryTimestamp`, promise["signedEntryTimestamp"], true);
    const proof = e["inclusionProof"];
    if (isObject(proof)) {
      uintField(problems, `${at}.inclusionProof.logIndex`, proof["logIndex"]);
      uintField(problems, `${at}.inclusionProof.treeSize`, proof["treeSize"]);
      bytesField(problems, `${at}.inclusionProof.rootHash`, proof["rootHash"], true);
      arrayOf(proof["hashes"]).forEach((h, j) => bytesField(problems, `${at}.inclusionProof.hashes[${j}]`, h, true));
      const checkpoint = proof["checkpoint"];
      // Without a checkpoint the proof's root is signed by nobody; @sigstore/verify would throw a
      // TypeError reading `checkpoint.envelope`.
      if (!isObject(checkpoint) || typeof checkpoint["envelope"] !== "string") {
        problems.push(`${at}.inclusionProof has no checkpoint, so its root hash is not signed by the log`);
      }
    }
  });
  const tsData = vm["timestampVerificationData"];
  if (isObject(tsData)) {
    arrayOf(tsData["rfc3161Timestamps"]).forEach((t, i) => {
      const at = `verificationMaterial.timestampVerificationData.rfc3161Timestamps[${i}].signedTimestamp`;
      const value = isObject(t) ? t["signedTimestamp"] : t;
      bytesField(problems, at, value, true);
      // @sigstore/core's ASN.1 reader does not check every tag: the CMS skeleton is checked here.
      if (isBase64(value)) {
        const shape = rfc3161ShapeProblem(Buffer.from(value as string, "base64"));
        if (shape !== undefined) problems.push(`${at} is not a well-formed RFC 3161 TimeStampResp (${shape})`);
      }
    });
  }
  return problems;
}

/**
 * Parses an untrusted bundle. `limits` bounds its size before anything else looks at it.
 * Never throws: every problem is a `BUNDLE_MALFORMED` failure naming the first bad field.
 */
export function parseBundle(raw: unknown, limits: JsonLimits = DEFAULT_BUNDLE_LIMITS): ParsedBundle {
  const malformed = (message: string): ParsedBundle => ({ ok: false, failure: failure("BUNDLE_MALFORMED", message) });
  try {
    if (!isObject(raw)) return malformed(`bundle must be a JSON object, found ${raw === null ? "null" : Array.isArray(raw) ? "an array" : typeof raw}`);
    const outOfBounds = checkJsonBounds(raw, limits);
    if (outOfBounds) return malformed(`bundle is ${outOfBounds}`);
    const mediaType = raw["mediaType"];
    if (typeof mediaType !== "string") return malformed("bundle has no mediaType string");
    if (!KNOWN_MEDIA_TYPES.has(mediaType)) {
      return malformed(`bundle mediaType is ${quote(mediaType, 80)}, expected one of ${[...KNOWN_MEDIA_TYPES].join(", ")}`);
    }
    const problems = checkFields(raw);
    if (problems.length > 0) {
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
      return malformed(`${problems[0]}${more}`);
    }
    const bundle = bundleFromJSON(raw);
    return { ok: true, bundle };
  } catch (err) {
    // @sigstore/bundle's ValidationError lists the offending fields; anything else (TypeError,
    // RangeError from a hostile value) is reported without its stack.
    const fields = (err as { fields?: unknown }).fields;
    const detail = Array.isArray(fields) && fields.length > 0 ? `: ${fields.join(", ")}` : "";
    const message = err instanceof Error ? err.message : String(err);
    return malformed(`bundle does not follow the Sigstore bundle format (${message}${detail})`);
  }
}
