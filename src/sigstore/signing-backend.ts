/**
 * The port the service layer signs through, whoever provides the CA, the log, the timestamps and
 * the trust root: the embedded stack (`embedded/signing-backend.ts`) or external Sigstore services
 * (`external/backend.ts`). `Sign` needs a signer, witnesses for one signature that report the log
 * entry they obtained, and the trust material; the server needs readiness per component and close.
 */
import type { Witness } from "@sigstore/sign";
import type { PublishedKey } from "./embedded/stack.js";
import type { SigningConfigJson } from "./embedded/tuf/signing-config.js";
import type { DigestSigner } from "./signing-pipeline.js";

/** The signer of the service's own outer signatures, with the identity its certificates carry. */
export interface ServiceSigner extends DigestSigner {
  /** The certificate SAN (an email address or URI). */
  readonly identity: string;
  /** The OIDC issuer in the certificates. */
  readonly issuer: string;
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

/** Where clients find the TUF repository holding the trusted root. */
export interface TufLocation {
  readonly url: string;
  readonly rootVersion: number;
}

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
  /** The current trusted root (Sigstore `trusted_root.json` as a JSON object). */
  trustedRoot(): Readonly<Record<string, unknown>>;
  /** The signing config pointing at the services in use, when there is one to publish. */
  signingConfig(): SigningConfigJson | undefined;
  /** Every public key the trusted root holds, with purpose and validity. */
  publishedKeys(): PublishedKey[];
  /** The TUF repository of the trusted root, when there is one. */
  tuf(): TufLocation | undefined;
  /** Readiness of each component; empty when nothing can fail independently. */
  readiness(): ComponentReadiness[];
  /** Told whenever a component's readiness changes; returns the unsubscribe function. */
  onReadinessChange(listener: () => void): () => void;
  close(): Promise<void>;
}
