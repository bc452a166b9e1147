/**
 * Certificates of the embedded CA and TSA, persisted as PEM beside their keys.
 *
 * A CA or TSA certificate is made once and then read back on every start, so the trusted root
 * built from it is byte-identical across restarts. A stored certificate whose public key is not
 * the key it is stored for means the key directory was tampered with or half-restored: refused
 * rather than re-issued, because re-issuing would silently change the published trust root.
 */
import "reflect-metadata";
import type * as x509 from "@peculiar/x509";
import path from "node:path";
import { TrustError } from "../../errors.js";
import { createFileExclusive, readPrivateFile } from "./atomic-file.js";
import { parseCertificate } from "./certificate-signer.js";

/**
 * Returns the certificate stored as `<directory>/<name>.crt.pem`, creating it with `issue` if
 * absent. `expectedSpki` is the public key it must certify.
 */
export async function loadOrIssueCertificate(
  directory: string,
  name: string,
  expectedSpki: Buffer,
  issue: () => Promise<x509.X509Certificate>,
): Promise<x509.X509Certificate> {
  const file = path.join(directory, `${name}.crt.pem`);
  let pem = await readPrivateFile(file);
  if (pem === undefined) {
    const certificate = await issue();
    await createFileExclusive(file, `${certificate.toString("pem")}\n`);
    pem = await readPrivateFile(file);
    if (pem === undefined) throw new TrustError("INTERNAL", `certificate ${name}: vanished after creation`);
  }
  const certificate = parseCertificate(name, pem.toString("utf8"));
  if (!Buffer.from(certificate.publicKey.rawData).equals(expectedSpki)) {
    throw new TrustError("FAILED_PRECONDITION", `certificate ${name}: does not certify the stored ${name} key`);
  }
  return certificate;
}
