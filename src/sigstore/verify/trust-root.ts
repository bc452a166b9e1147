/**
 * Strict validation of a Sigstore trusted root and the trust material built from it.
 *
 * `@sigstore/verify`'s `toTrustMaterial` fills a missing `validFor.start` with the epoch, so a
 * log or CA key that should only be trusted from its creation on would be trusted for all of the
 * past (the conformance case `trust-root-tlog-missing-validity-start_fail` requires refusing it).
 * It also parses keys and certificates lazily and lets their errors escape as `TypeError`s. Here
 * every authority is checked field by field first, and a problem names the authority it is in.
 */
import { crypto as sigstoreCrypto, X509Certificate } from "@sigstore/core";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toTrustMaterial, Verifier, type TrustMaterial } from "@sigstore/verify";
import { checkJsonBounds, DEFAULT_TRUST_ROOT_LIMITS } from "./json-limits.js";
import { memoizedVerifier } from "./memoized-verifier.js";
import { memoizeTrustMaterial } from "./trust-material-memo.js";

/** The trusted-root media types this verifier understands (v0.1 in both spellings, and v0.2). */
export const TRUSTED_ROOT_MEDIA_TYPES: readonly string[] = [
  "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
  "application/vnd.dev.sigstore.trustedroot.v0.1+json",
  "application/vnd.dev.sigstore.trustedroot.v0.2+json",
];

/** RSA log keys in the public-good root (CT logs) are PKCS#1, not SPKI. */
const PKCS1_KEY_DETAILS: ReadonlySet<string> = new Set([
  "PKCS1_RSA_PKCS1V5",
  "PKIX_RSA_PKCS1V5",
  "PKIX_RSA_PKCS1V15_2048_SHA256",
  "PKIX_RSA_PKCS1V15_3072_SHA256",
  "PKIX_RSA_PKCS1V15_4096_SHA256",
]);

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** Why a trusted root was refused: the JSON path of the problem and what is wrong with it. */
export class TrustRootProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrustRootProblem";
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requireArray(root: Json, field: string, nonEmpty: boolean): unknown[] {
  const value = root[field];
  if ((value === undefined || value === null) && !nonEmpty) return [];
  if (!Array.isArray(value)) throw new TrustRootProblem(`${field} must be an array`);
  if (nonEmpty && value.length === 0) throw new TrustRootProblem(`${field} is empty; a trusted root needs at least one`);
  return value;
}

function bytes(value: unknown, path: string): Buffer {
  if (typeof value !== "string" || value.length === 0 || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) {
    throw new TrustRootProblem(`${path} must be non-empty base64`);
  }
  return Buffer.from(value, "base64");
}

/** `validFor` must have a start; an end, when given, must not precede it. */
function checkValidity(value: unknown, path: string): void {
  if (!isObject(value)) throw new TrustRootProblem(`${path} is missing; every authority needs a validity window`);
  const start = value["start"];
  if (start === undefined) {
    throw new TrustRootProblem(`${path}.start is missing; without it the key would be trusted for all of the past`);
  }
  if (typeof start !== "string" || !RFC3339.test(start) || Number.isNaN(Date.parse(start))) {
    throw new TrustRootProblem(`${path}.start is not an RFC 3339 time: ${JSON.stringify(start)}`);
  }
  const end = value["end"];
  if (end !== undefined && end !== null) {
    if (typeof end !== "string" || !RFC3339.test(end) || Number.isNaN(Date.parse(end))) {
      throw new TrustRootProblem(`${path}.end is not an RFC 3339 time: ${JSON.stringify(end)}`);
    }
    if (Date.parse(end) < Date.parse(start)) throw new TrustRootProblem(`${path} ends (${end}) before it starts (${start})`);
  }
}

function checkLog(log: unknown, path: string): void {
  if (!isObject(log)) throw new TrustRootProblem(`${path} must be an object`);
  if (typeof log["baseUrl"] !== "string" || log["baseUrl"].length === 0) throw new TrustRootProblem(`${path}.baseUrl is missing`);
  const key = log["publicKey"];
  if (!isObject(key)) throw new TrustRootProblem(`${path}.publicKey is missing`);
  const raw = bytes(key["rawBytes"], `${path}.publicKey.rawBytes`);
  const details = key["keyDetails"];
  if (typeof details !== "string") throw new TrustRootProblem(`${path}.publicKey.keyDetails is missing`);
  try {
    sigstoreCrypto.createPublicKey(raw, PKCS1_KEY_DETAILS.has(details) ? "pkcs1" : "spki");
  } catch {
    throw new TrustRootProblem(`${path}.publicKey.rawBytes is not a ${details} public key`);
  }
  checkValidity(key["validFor"], `${path}.publicKey.validFor`);
  const logId = log["logId"];
  bytes(isObject(logId) ? logId["keyId"] : undefined, `${path}.logId.keyId`);
  // proto3 JSON: null is the same as absent.
  const checkpointKeyId = log["checkpointKeyId"];
  if (checkpointKeyId !== undefined && checkpointKeyId !== null)
    bytes(isObject(checkpointKeyId) ? checkpointKeyId["keyId"] : undefined, `${path}.checkpointKeyId.keyId`);
}

function checkAuthority(ca: unknown, path: string): void {
  if (!isObject(ca)) throw new TrustRootProblem(`${path} must be an object`);
  const chain = ca["certChain"];
  const certs = isObject(chain) ? chain["certificates"] : undefined;
  if (!Array.isArray(certs) || certs.length === 0) throw new TrustRootProblem(`${path}.certChain has no certificates`);
  certs.forEach((cert, i) => {
    const at = `${path}.certChain.certificates[${i}].rawBytes`;
    const der = bytes(isObject(cert) ? cert["rawBytes"] : undefined, at);
    try {
      // Reading the public key parses the SPKI, which parse() alone leaves for later.
      const { publicKey: _publicKey } = X509Certificate.parse(Buffer.from(der));
    } catch {
      throw new TrustRootProblem(`${at} is not a DER X.509 certificate`);
    }
  });
  checkValidity(ca["validFor"], `${path}.validFor`);
}

/**
 * Checks a trusted root (parsed JSON) field by field. Throws {@link TrustRootProblem} naming the
 * first problem; returns the typed root when there is none.
 */
export function validateTrustedRoot(raw: unknown): TrustedRoot {
  if (!isObject(raw)) throw new TrustRootProblem("trusted root must be a JSON object");
  const outOfBounds = checkJsonBounds(raw, DEFAULT_TRUST_ROOT_LIMITS);
  if (outOfBounds) throw new TrustRootProblem(`trusted root is ${outOfBounds}`);
  const mediaType = raw["mediaType"];
  if (typeof mediaType !== "string" || !TRUSTED_ROOT_MEDIA_TYPES.includes(mediaType)) {
    throw new TrustRootProblem(`mediaType is ${JSON.stringify(mediaType)}, expected one of ${TRUSTED_ROOT_MEDIA_TYPES.join(", ")}`);
  }
  requireArray(raw, "tlogs", true).forEach((log, i) => checkLog(log, `tlogs[${i}]`));
  requireArray(raw, "ctlogs", false).forEach((log, i) => checkLog(log, `ctlogs[${i}]`));
  requireArray(raw, "certificateAuthorities", false).forEach((ca, i) => checkAuthority(ca, `certificateAuthorities[${i}]`));
  requireArray(raw, "timestampAuthorities", false).forEach((ca, i) => checkAuthority(ca, `timestampAuthorities[${i}]`));
  try {
    return TrustedRoot.fromJSON(raw);
  } catch (err) {
    throw new TrustRootProblem(`trusted root does not follow the Sigstore format (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * A validated trusted root with its trust material and verifier, built once and shared by every
 * verification against that root. Obtain one from `loadTrustedRoot` (which caches) rather than
 * constructing it, so that equal roots share one instance.
 */
export class TrustedRootHandle {
  /** Lowercase hex SHA-256 of the root's canonical JSON: its identity in caches and audit events. */
  readonly fingerprint: string;
  /** The typed root, for callers that need to list its authorities. */
  readonly root: TrustedRoot;
  /** Keys, certificates and validity windows, parsed once. */
  readonly trustMaterial: TrustMaterial;
  /**
   * Whether certificates must carry a valid SCT: exactly when the root lists CT logs. A private
   * deployment without a CT log would otherwise reject every bundle ("expected 1 SCTs, got 0").
   */
  readonly requiresScts: boolean;
  /**
   * The reference verifier configured for certificate-signed bundles under this root, with its
   * recurring work memoized (`memoized-verifier.ts`).
   */
  readonly verifier: Verifier;
  #unmemoized: TrustMaterial | undefined;

  constructor(fingerprint: string, root: TrustedRoot) {
    this.fingerprint = fingerprint;
    this.root = root;
    this.trustMaterial = memoizeTrustMaterial(toTrustMaterial(root));
    this.requiresScts = root.ctlogs.length > 0;
    this.verifier = memoizedVerifier(this.trustMaterial, verifierOptions(this.requiresScts));
  }

  /**
   * Trust material built by the stock `toTrustMaterial` with nothing memoized: the baseline of the
   * engine's uncached mode, which the differential tests compare the fast path with.
   */
  get unmemoizedTrustMaterial(): TrustMaterial {
    this.#unmemoized ??= toTrustMaterial(this.root);
    return this.#unmemoized;
  }
}

/**
 * Options for `@sigstore/verify`'s Verifier: one log entry and one verified timestamp (a SET or an
 * RFC 3161 timestamp) are always required; SCTs only where the root has CT logs.
 */
export function verifierOptions(requiresScts: boolean): { tlogThreshold: number; ctlogThreshold: number; timestampThreshold: number } {
  return { tlogThreshold: 1, ctlogThreshold: requiresScts ? 1 : 0, timestampThreshold: 1 };
}
