/**
 * Signing TUF metadata with {@link KeySigner}s.
 *
 * `@tufjs/models` signs through a synchronous callback, while a KeySigner is asynchronous (a KMS
 * or HSM is). So the canonical bytes are taken from the library (signing a throw-away copy with a
 * callback that only records them), signed asynchronously, and each signature is checked with the
 * library's own verifier before it is attached: metadata that a client would reject is never
 * written.
 */
import { Metadata, Signature, type Root, type Snapshot, type Targets, type Timestamp } from "@tufjs/models";
import { TrustError } from "../../../errors.js";
import type { TufSigner } from "./role-keys.js";

type AnySigned = Root | Targets | Snapshot | Timestamp;

/** The bytes a TUF signature covers: the canonical JSON of `signed`. */
export function canonicalSignedBytes(signed: AnySigned): Buffer {
  let bytes: Buffer | undefined;
  new Metadata(signed).sign((data) => {
    bytes = Buffer.from(data);
    return new Signature({ keyID: "", sig: "" });
  });
  if (bytes === undefined) throw new TrustError("INTERNAL", "TUF: could not canonicalize metadata");
  return bytes;
}

/** Returns `signed` wrapped in metadata signed by every one of `signers` (each key once). */
export async function signMetadata<T extends AnySigned>(signed: T, signers: readonly TufSigner[]): Promise<Metadata<T>> {
  const bytes = canonicalSignedBytes(signed);
  const metadata = new Metadata(signed);
  for (const { signer, key } of signers) {
    if (metadata.signatures[key.keyID] !== undefined) continue;
    const der = await signer.sign(bytes);
    metadata.signatures[key.keyID] = new Signature({ keyID: key.keyID, sig: der.toString("hex") });
    try {
      key.verifySignature(metadata);
    } catch (err) {
      throw new TrustError("INTERNAL", `TUF: the ${signer.name} key produced a signature that does not verify`, { cause: err });
    }
  }
  return metadata;
}
