/**
 * The embedded stack's Sigstore trusted root (`trusted_root.json`, media type
 * `application/vnd.dev.sigstore.trustedroot+json;version=0.1`, see below): the CA chain, the log key, the TSA
 * chain and the CT log keys (the embedded CA embeds an SCT from its CT log in every leaf), each
 * with `validFor.start`. After a key rotation the earlier CAs, TSAs and CT logs stay listed (oldest
 * first) with `validFor.end` set to when they were retired, so bundles signed before the rotation
 * still verify.
 *
 * It is a pure function of persisted inputs (certificates, the log key and its creation time), so
 * the JSON is byte-identical across restarts; TUF targets and clients' caches rely on that.
 * The JSON is Sigstore's proto3 JSON, written out by hand so this module needs no generated code.
 */
import { createHash, createPublicKey } from "node:crypto";
import { backdatedStart } from "../keys/validity.js";
import type { CASubject } from "./ca.js";

/** Media type of the trusted root this module builds. */
/**
 * The media type the served trusted root carries. protobuf-specs names the message's current
 * version `…trustedroot.v0.2+json`, but sigstore-go (cosign 3.1) loads only the form the
 * public-good root uses, `…trustedroot+json;version=0.1`, and sigstore-js accepts both; the JSON
 * itself is the same. So the form every stock client loads is the one served.
 */
export const TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

/** A certificate authority or TSA as the trusted root needs it (EmbeddedCA and EmbeddedTSA fit). */
export interface TrustedAuthority {
  /** Chain in trusted-root order: for the CA intermediate then root, for the TSA leaf then root. */
  chainDer(): Uint8Array[];
  subject: CASubject;
  /** Start of validity, already back-dated (the root's notBefore). */
  validFrom: Date;
}

/** Inputs of {@link buildTrustedRoot}. */
export interface TrustedRootInput {
  ca: TrustedAuthority;
  /** Base URL of the CA (Fulcio-compatible endpoint); default `tlog.baseUrl`. */
  caUri?: string;
  tsa: TrustedAuthority;
  /** URL of the TSA; default `tlog.baseUrl`. */
  tsaUri?: string;
  tlog: {
    /** Base URL of the log; a checkpoint's origin name must be a substring of it. */
    baseUrl: string;
    /** The log's public key, SPKI DER. */
    publicKeySpki: Uint8Array;
    /**
     * When the log key came to be (the key store's persisted creation time). Back-dated here to
     * the whole second minus one, so an entry integrated in the key's first second is inside.
     */
    validFrom: Date;
  };
  /** Override of `ca.validFrom`, used as given. */
  caValidFrom?: Date;
  /** Override of `tsa.validFrom`, used as given. */
  tsaValidFrom?: Date;
  /**
   * The CT logs whose SCTs the CA embeds, oldest first (rotation adds one; retired ones carry
   * `validTo`). Absent or empty: the trusted root lists no CT log, and verifiers require no SCT.
   */
  ctlogs?: readonly CtLogInput[];
  /** Earlier CAs (key rotation), oldest first; listed before `ca`. */
  retiredCas?: readonly RetiredAuthority[];
  /** Earlier TSAs (key rotation), oldest first; listed before `tsa`. */
  retiredTsas?: readonly RetiredAuthority[];
}

/** A CT log as the trusted root lists it. */
export interface CtLogInput {
  /** The log's URL (RFC 6962 endpoints are under `<baseUrl>/ct/v1/`). */
  baseUrl: string;
  /** The log's public key, SPKI DER; log ID = its SHA-256. */
  publicKeySpki: Uint8Array;
  /** When the key came to be; back-dated like the transparency log's. */
  validFrom: Date;
  /** When a rotation retired it. */
  validTo?: Date;
}

/** A CA or TSA that a rotation replaced: still trusted for what it signed before `validTo`. */
export interface RetiredAuthority {
  authority: TrustedAuthority;
  /** End of its validity window (`validFor.end`): when the next generation took over. */
  validTo: Date;
}

/** Sigstore's TrustedRoot message in proto3 JSON. */
export interface TrustedRootJson {
  mediaType: typeof TRUSTED_ROOT_MEDIA_TYPE;
  tlogs: TransparencyLogInstanceJson[];
  certificateAuthorities: CertificateAuthorityJson[];
  ctlogs: TransparencyLogInstanceJson[];
  timestampAuthorities: CertificateAuthorityJson[];
}

export interface TransparencyLogInstanceJson {
  baseUrl: string;
  hashAlgorithm: "SHA2_256";
  publicKey: { rawBytes: string; keyDetails: string; validFor: { start: string; end?: string } };
  logId: { keyId: string };
}

export interface CertificateAuthorityJson {
  subject: { organization: string; commonName: string };
  uri: string;
  certChain: { certificates: { rawBytes: string }[] };
  validFor: { start: string; end?: string };
}

/** Builds the trusted root. Deterministic: equal inputs give deep-equal (and identically serialized) output. */
export function buildTrustedRoot(input: TrustedRootInput): TrustedRootJson {
  const logSpki = Buffer.from(input.tlog.publicKeySpki);
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: [
      {
        baseUrl: input.tlog.baseUrl,
        hashAlgorithm: "SHA2_256",
        publicKey: {
          rawBytes: logSpki.toString("base64"),
          keyDetails: keyDetails(logSpki),
          validFor: { start: backdatedStart(input.tlog.validFrom).toISOString() },
        },
        logId: { keyId: logIdOf(logSpki).toString("base64") },
      },
    ],
    certificateAuthorities: [
      ...(input.retiredCas ?? []).map((r) => authority(r.authority, input.caUri ?? input.tlog.baseUrl, r.authority.validFrom, r.validTo)),
      authority(input.ca, input.caUri ?? input.tlog.baseUrl, input.caValidFrom ?? input.ca.validFrom),
    ],
    ctlogs: (input.ctlogs ?? []).map((ct) => {
      const spki = Buffer.from(ct.publicKeySpki);
      return {
        baseUrl: ct.baseUrl,
        hashAlgorithm: "SHA2_256" as const,
        publicKey: {
          rawBytes: spki.toString("base64"),
          keyDetails: keyDetails(spki),
          validFor: { start: backdatedStart(ct.validFrom).toISOString(), ...(ct.validTo === undefined ? {} : { end: ct.validTo.toISOString() }) },
        },
        logId: { keyId: logIdOf(spki).toString("base64") },
      };
    }),
    timestampAuthorities: [
      ...(input.retiredTsas ?? []).map((r) => authority(r.authority, input.tsaUri ?? input.tlog.baseUrl, r.authority.validFrom, r.validTo)),
      authority(input.tsa, input.tsaUri ?? input.tlog.baseUrl, input.tsaValidFrom ?? input.tsa.validFrom),
    ],
  };
}

/** Serializes a trusted root the one way this service publishes it (2-space JSON, final newline). */
export function serializeTrustedRoot(root: TrustedRootJson): string {
  return `${JSON.stringify(root, null, 2)}\n`;
}

/** A log's ID as Sigstore computes it: SHA-256 of the log key's SPKI DER. */
export function logIdOf(publicKeySpki: Uint8Array): Buffer {
  return createHash("sha256").update(publicKeySpki).digest();
}

function authority(source: TrustedAuthority, uri: string, validFrom: Date, validTo?: Date): CertificateAuthorityJson {
  return {
    subject: { organization: source.subject.organization, commonName: source.subject.commonName },
    uri,
    certChain: { certificates: source.chainDer().map((der) => ({ rawBytes: Buffer.from(der).toString("base64") })) },
    validFor: { start: validFrom.toISOString(), ...(validTo === undefined ? {} : { end: validTo.toISOString() }) },
  };
}

/** The `PublicKeyDetails` name of a log key. */
function keyDetails(spki: Buffer): string {
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === "ec" && curve === "prime256v1") return "PKIX_ECDSA_P256_SHA_256";
  if (key.asymmetricKeyType === "ec" && curve === "secp384r1") return "PKIX_ECDSA_P384_SHA_384";
  if (key.asymmetricKeyType === "ec" && curve === "secp521r1") return "PKIX_ECDSA_P521_SHA_512";
  if (key.asymmetricKeyType === "ed25519") return "PKIX_ED25519";
  throw new TypeError("log key must be ECDSA P-256/384/521 or Ed25519");
}
