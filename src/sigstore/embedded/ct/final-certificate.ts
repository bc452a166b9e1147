/**
 * Turns a logged precertificate into the final certificate (RFC 6962 §3.1): the same TBS with
 * the poison extension replaced, in place, by the SCT list extension, signed again by the issuer.
 * Verifiers rebuild the SCT's signed TBS by removing the SCT list from the final certificate, so
 * keeping every other byte (serial, validity, extension order) identical is what makes the SCT
 * verify.
 */
import "reflect-metadata";
import { X509Certificate, createPublicKey } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { TrustError } from "../../../errors.js";
import type { KeySigner } from "../../keys/key-signer.js";
import { survivesSigstoreReencoding } from "../../keys/sigstore-der.js";
import { assembleCertificate, encodeExtension, oidDer, replaceExtension, splitCertificate } from "./certificate-der.js";
import { OID_CT_POISON, OID_CT_SCT_LIST, sctListExtensionValue } from "./sct.js";

/** Signatures tried before giving up on one that stock verifiers re-encode faithfully. */
const MAX_ATTEMPTS = 4;

/** The poison extension for a precertificate template (critical, value ASN.1 NULL). */
export function poisonExtension(): x509.Extension {
  return new x509.Extension(OID_CT_POISON, true, Buffer.from([0x05, 0x00]));
}

/** The final certificate (DER) of `precertificate` with `scts` embedded, signed by `issuerKey`. */
export async function finalCertificate(precertificate: Uint8Array, scts: readonly Uint8Array[], issuerKey: KeySigner): Promise<Buffer> {
  const { tbs, signatureAlgorithm } = splitCertificate(precertificate);
  const sctExtension = encodeExtension(oidDer(OID_CT_SCT_LIST), false, sctListExtensionValue(scts));
  const finalTbs = replaceExtension(tbs, oidDer(OID_CT_POISON), sctExtension);
  const issuerPublicKey = createPublicKey({ key: issuerKey.publicKeySpki, format: "der", type: "spki" });
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const der = assembleCertificate(finalTbs, signatureAlgorithm, await issuerKey.sign(finalTbs));
    // ECDSA signatures are randomized: a new one fixes an encoding @sigstore/core would alter.
    // Checked like every certificate the CA issues: it must verify under the issuer's key.
    if (survivesSigstoreReencoding(der) && new X509Certificate(der).verify(issuerPublicKey)) return der;
  }
  throw new TrustError("INTERNAL", "could not issue a final certificate stock verifiers accept");
}
