/**
 * What the Certus handlers receive from the composition root: ports only, resolved once for the
 * mode the service runs in. The handlers never see the embedded stack.
 */
import { TrustError } from "../errors.js";
import type { SignatureWitnesses, SigningBackend } from "../sigstore/signing-backend.js";
import type { TransparencyLog } from "../sigstore/transparency-log.js";
import type { EntryRef, StateStore } from "../state/state-store.js";

export interface CertusPorts {
  /** The service's signer and the witnesses of one signature (log, timestamps). */
  readonly signing: SigningBackend;
  /** The log the workflows search and append inner signatures to. */
  readonly log: TransparencyLog;
  /** Audit trail, upload permissions. */
  readonly state: StateStore;
}

/**
 * The log entry the witnesses obtained, as the Certus records keep it. A log without entry UUIDs
 * cannot back the Certus records; the RPC table refuses these RPCs for such a log, so reaching
 * this without one is a wiring mistake.
 */
export function loggedEntryOf(witnesses: SignatureWitnesses): EntryRef {
  const e = witnesses.entry();
  if (e === undefined || e.uuid === undefined) throw new TrustError("INTERNAL", "the signature's log entry has no UUID");
  return { uuid: e.uuid, logIndex: e.logIndex, integratedTime: e.integratedTime };
}
