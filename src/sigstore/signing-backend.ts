/**
 * The port the service layer signs through, whoever provides the CA, the log, the timestamps and
 * the trust root: the embedded stack (`embedded/signing-backend.ts`) or external Sigstore services
 * (`external/backend.ts`). `Sign` needs a signer, witnesses for one signature that report the log
 * entry they obtained, and the trust material; the server needs readiness per component and close.
 *
 * The CA, log and TSA each have their own port (`certificate-authority.ts`, `transparency-log.ts`,
 * `timestamp-authority.ts`); this one bundles what one signature needs from them, because the
 * two modes append differently (the embedded log takes a canonical body, an upstream Rekor a
 * proposed entry). This file imports nothing from its adapters.
 */
import type { Witness } from "@sigstore/sign";
import type { DigestSigner } from "./signing-pipeline.js";
import type { TrustRootSource } from "./trust-root-source.js";

/** The signer of the service's own outer signatures, with the identity its certificates carry. */
export interface ServiceSigner extends DigestSigner {
  /** The certificate SAN (an email address or URI). */
  readonly identity: string;
  /** The OIDC issuer in the certificates. */
  readonly issuer: string;
  /** The current certificate (PEM), renewed first if it is about to expire; readiness probes use it. */
  certificatePem(): Promise<string>;
}

/** The log entry a signature obtained, as `Sign` reports it. */
export interface LoggedEntryRef {
  readonly logIndex: number;
  /** Rekor v1 entry UUID; undefined for Rekor v2, which has none. */
  readonly uuid: string | undefined;
  /** Seconds since the epoch; 0 when the log gives none (Rekor v2, whose time comes from the TSA). */
  readonly integratedTime: number;
}

/** Search keys recorded with an entry where the log supports them (the embedded one does). */
export interface EntryIndexKeys {
  artifactDigest?: string;
  signerSubject?: string;
}

/** Witnesses for one signature. Create one set per signature; they are cheap. */
export interface SignatureWitnesses {
  /** Every witness to hand to the signing pipeline (log first, then timestamps). */
  readonly all: Witness[];
  /** The log entry once the witnesses ran; undefined before, or if logging failed. */
  entry(): LoggedEntryRef | undefined;
}

export type { TufLocation } from "./trust-root-source.js";

/** Whether one component behind the service can serve now, and why not. */
export interface ComponentReadiness {
  /** Component name, e.g. `fulcio`, `rekor`, `tsa`, `tuf`, `oidc`. */
  readonly component: string;
  readonly ready: boolean;
  /** True when signing cannot go on without it (the service then reads as not ready). */
  readonly critical: boolean;
  /** What is wrong (or the state), for /readyz and logs; never a credential. */
  readonly detail: string;
}

/** The signing port. */
export interface SigningBackend {
  readonly mode: "embedded" | "sigstore";
  readonly signer: ServiceSigner;
  witnessesFor(keys: EntryIndexKeys): SignatureWitnesses;
  /** The trust material that verifies what this backend signs. */
  readonly trustRoot: TrustRootSource;
  /** Readiness of each component; empty when nothing can fail independently. */
  readiness(): ComponentReadiness[];
  /** Told whenever a component's readiness changes; returns the unsubscribe function. */
  onReadinessChange(listener: () => void): () => void;
  close(): Promise<void>;
}
