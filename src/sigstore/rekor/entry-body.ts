/**
 * Rekor v1 canonical entry bodies (`hashedrekord/0.0.1`, `dsse/0.0.1`), exactly as Rekor stores
 * them and as verifiers re-derive them from a bundle (see SIGSTORE-NOTES.md, "Log entries"). The
 * canonical JSON (RFC 8785 style, `@sigstore/core`'s `json.canonicalize`) is what the Merkle leaf,
 * the SET and the bundle's `canonicalizedBody` are computed over.
 */
import { createHash } from "node:crypto";
import { json } from "@sigstore/core";

/** A log entry body with its kind, ready to append. */
export interface EntryBody {
  kind: "hashedrekord" | "dsse";
  apiVersion: "0.0.1";
  /** The canonical JSON bytes. */
  canonical: Buffer;
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * A `hashedrekord/0.0.1` body: the artifact's SHA-256, the signature over it and the verifier
 * (a PEM certificate or public key, base64 of the PEM text as Rekor stores it).
 */
export function hashedRekordBody(digest: Uint8Array, signature: Uint8Array, verifierPem: string): EntryBody {
  const body = {
    apiVersion: "0.0.1",
    kind: "hashedrekord",
    spec: {
      data: { hash: { algorithm: "sha256", value: Buffer.from(digest).toString("hex") } },
      signature: {
        content: Buffer.from(signature).toString("base64"),
        publicKey: { content: Buffer.from(verifierPem, "utf8").toString("base64") },
      },
    },
  };
  return { kind: "hashedrekord", apiVersion: "0.0.1", canonical: Buffer.from(json.canonicalize(body), "utf8") };
}

/** A DSSE envelope as it travels in bundle JSON (payload and signatures base64). */
export interface EnvelopeJson {
  payloadType: string;
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}

/**
 * A `dsse/0.0.1` body: hashes of the envelope JSON (as submitted) and of the payload, and each
 * signature with its verifier. Verifiers check `payloadHash` (over the payload, not the PAE) and
 * that there is exactly one signature.
 */
export function dsseBody(envelopeJson: string, envelope: EnvelopeJson, verifierPem: string): EntryBody {
  const body = {
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: {
      envelopeHash: { algorithm: "sha256", value: sha256Hex(envelopeJson) },
      payloadHash: { algorithm: "sha256", value: sha256Hex(Buffer.from(envelope.payload, "base64")) },
      signatures: envelope.signatures.map((s) => ({
        signature: s.sig,
        verifier: Buffer.from(verifierPem, "utf8").toString("base64"),
      })),
    },
  };
  return { kind: "dsse", apiVersion: "0.0.1", canonical: Buffer.from(json.canonicalize(body), "utf8") };
}
