/**
 * The embedded log as a `@sigstore/sign` Witness: turns the signed content into its Rekor v1
 * canonical body (`dsse/0.0.1` or `hashedrekord/0.0.1`), appends it (the promise resolves only
 * once the entry is durable, see tlog/log.ts) and hands back the bundle's `tlogEntries[]` element.
 */
import { envelopeToJSON } from "@sigstore/bundle";
import type { SignatureBundle, VerificationMaterial, Witness } from "@sigstore/sign";
import { dsseBody, hashedRekordBody, type EntryBody } from "../rekor/entry-body.js";
import { toBundleTlogEntry } from "../log-entry-bundle.js";
import type { EntryIndexKeys } from "../signing-backend.js";
import type { EmbeddedTransparencyLog } from "./tlog/log.js";
import type { LoggedEntry } from "./tlog/entry.js";

/** What the signing pipeline wants to know about the entry besides the bundle element. */
export interface WitnessedEntry {
  entry: LoggedEntry;
}

export type { EntryIndexKeys };

/** Builds the canonical body for signed content, as Rekor would store it. */
export function entryBodyFor(content: SignatureBundle, verifierPem: string): EntryBody {
  if (content.$case === "dsseEnvelope") {
    const envelope = envelopeToJSON(content.dsseEnvelope);
    return dsseBody(JSON.stringify(envelope), envelope, verifierPem);
  }
  return hashedRekordBody(content.messageSignature.messageDigest.digest, content.messageSignature.signature, verifierPem);
}

/**
 * A witness for one signing operation: it remembers the entry it logged so the caller can answer
 * with the log index and uuid. Create one per signature (it is cheap).
 */
export class EmbeddedLogWitness implements Witness {
  logged: LoggedEntry | undefined;

  constructor(
    private readonly log: EmbeddedTransparencyLog,
    private readonly keys: EntryIndexKeys = {},
  ) {}

  async testify(content: SignatureBundle, publicKey: string): Promise<VerificationMaterial> {
    const body = entryBodyFor(content, publicKey);
    this.logged = await this.log.append({
      kind: body.kind,
      apiVersion: body.apiVersion,
      canonicalBody: body.canonical,
      artifactDigest: this.keys.artifactDigest,
      signerSubject: this.keys.signerSubject,
    });
    return { tlogEntries: [toBundleTlogEntry(this.logged)] };
  }
}
