/**
 * The trust root source port: where the service's own trust material comes from — the trusted
 * root that verifies everything it signs, the signing config naming the services it uses, and the
 * TUF repository clients can fetch both from. The embedded stack builds them from its own keys
 * (`embedded/trust-root-source.ts`); the external mode reads a TUF mirror or a fixed file
 * (`external/tuf.ts`).
 *
 * Contract: `current()` never fails and never blocks — it returns the last good root; a source
 * that refreshes (TUF) swaps it atomically, and a failed refresh keeps the previous one (the
 * adapter reports that through its own readiness, not here). Values are JSON objects in the
 * Sigstore protobuf-specs JSON form and must be treated as read-only.
 *
 * This file imports nothing from its adapters; they import it.
 */

/** Sigstore `trusted_root.json` as a JSON object. */
export type TrustedRootDocument = Readonly<Record<string, unknown>>;

/** Sigstore `signing_config.v0.2.json` as a JSON object. */
export type SigningConfigDocument = Readonly<Record<string, unknown>>;

/** Where clients find the TUF repository holding the trusted root. */
export interface TufLocation {
  readonly url: string;
  readonly rootVersion: number;
}

/** A public key the trust root holds, for GetKeys. */
export interface PublishedKey {
  purpose: "CA_ROOT" | "CA_INTERMEDIATE" | "TLOG" | "TSA_ROOT" | "TSA" | "TUF_ROOT" | "TUF_TARGETS" | "TUF_SNAPSHOT" | "TUF_TIMESTAMP";
  keyId: string;
  publicKeyPem: string;
  validFrom: Date;
  validTo?: Date;
}

/** The trust root source port. */
export interface TrustRootSource {
  /** The current trusted root; the last good one when a refresh failed. */
  current(): TrustedRootDocument;
  /** The signing config pointing at the services in use, when there is one to publish. */
  signingConfig(): SigningConfigDocument | undefined;
  /** The TUF repository of the trusted root and its root version, when TUF is used. */
  tuf(): TufLocation | undefined;
  /** Every public key the trusted root holds (and the TUF role keys, where this service holds them). */
  publishedKeys(): PublishedKey[];
  /** Stops refreshing; `current()` keeps answering with the last root. */
  close(): void;
}
