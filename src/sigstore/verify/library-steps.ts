/**
 * The individual steps of `@sigstore/verify`'s Verifier, so that the fast path can run the
 * library's own checks while keeping what does not change between bundles.
 *
 * The package exports only the whole `Verifier`; its steps (chain building, SCTs, SET, checkpoint,
 * Merkle path, log body) live in `dist/` modules that the package does not hide (it has no
 * `exports` map). They are loaded through `require` from the same module instances the package
 * itself uses, so `VerificationError` is the same class. When a future version moves them, this
 * returns undefined and the engine uses the stock Verifier (slower, same verdicts).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { TransparencyLogEntry } from "@sigstore/bundle";
import type { RFC3161Timestamp, X509Certificate } from "@sigstore/core";
import type { SignedEntity } from "@sigstore/verify";
import type { KeyObject } from "node:crypto";

/** A certificate authority of the trust material (`TrustMaterial.certificateAuthorities[i]`). */
export interface CertAuthority {
  readonly certChain: X509Certificate[];
  readonly validFor: { readonly start: Date; readonly end: Date };
}

/** A log of the trust material (`TrustMaterial.tlogs[i]`, also `ctlogs`). */
export interface TLogAuthority {
  readonly logID: Buffer;
  readonly publicKey: KeyObject;
  readonly validFor: { readonly start: Date; readonly end: Date };
  readonly baseURL: string;
}

/** A verified checkpoint as the library returns it (read by the Merkle step only). */
export interface LogCheckpoint {
  readonly origin: string;
  readonly logSize: bigint;
  readonly logHash: Buffer;
}

/** The library's steps, with the signatures of its `dist/` functions. */
export interface LibrarySteps {
  verifyCertificateChain(timestamp: Date, leaf: X509Certificate, authorities: CertAuthority[]): X509Certificate[];
  CertificateChainVerifier: new (opts: { trustedCerts: X509Certificate[]; untrustedCert: X509Certificate; timestamp: Date }) => { verify(): X509Certificate[] };
  verifySCTs(cert: X509Certificate, issuer: X509Certificate, ctlogs: TLogAuthority[]): Buffer[];
  filterCertAuthorities<T extends CertAuthority>(authorities: T[], timestamp: Date): T[];
  verifyTLogSET(entry: TransparencyLogEntry, tlogs: TLogAuthority[]): void;
  verifyCheckpoint(entry: TransparencyLogEntry, tlogs: TLogAuthority[]): LogCheckpoint;
  verifyMerkleInclusion(entry: TransparencyLogEntry, checkpoint: LogCheckpoint): void;
  verifyTLogBody(entry: TransparencyLogEntry, content: SignedEntity["signature"]): void;
  getTLogTimestamp(entry: TransparencyLogEntry): { type: string; logID: Buffer; timestamp: Date } | undefined;
  VerificationError: new (opts: { code: string; message: string; cause?: unknown }) => Error;
}

/** The RFC 3161 timestamp as the library's TSA step reads it. */
export type LibraryTimestamp = RFC3161Timestamp;

function load(): LibrarySteps | undefined {
  try {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve("@sigstore/verify"));
    const from = (path: string) => require(join(dist, path)) as Record<string, unknown>;
    const certificate = from("key/certificate.js");
    const steps = {
      verifyCertificateChain: certificate["verifyCertificateChain"],
      CertificateChainVerifier: certificate["CertificateChainVerifier"],
      verifySCTs: from("key/sct.js")["verifySCTs"],
      filterCertAuthorities: from("trust/filter.js")["filterCertAuthorities"],
      verifyTLogSET: from("tlog/set.js")["verifyTLogSET"],
      verifyCheckpoint: from("tlog/checkpoint.js")["verifyCheckpoint"],
      verifyMerkleInclusion: from("tlog/merkle.js")["verifyMerkleInclusion"],
      verifyTLogBody: from("tlog/index.js")["verifyTLogBody"],
      getTLogTimestamp: from("timestamp/index.js")["getTLogTimestamp"],
      VerificationError: from("error.js")["VerificationError"],
    };
    if (Object.values(steps).some((step) => typeof step !== "function")) return undefined;
    return steps as unknown as LibrarySteps;
  } catch {
    return undefined;
  }
}

/** The library's steps, or undefined when this version of `@sigstore/verify` lays them out otherwise. */
export const librarySteps: LibrarySteps | undefined = load();
