/**
 * Certificates of the embedded CA and TSA, persisted as PEM beside their keys.
 *
 * A CA or TSA certificate is made once and then read back on every start, so the trusted root
 * built from it is byte-identical across restarts. A stored certificate whose public key is not
 * the key it is stored for means the key directory was tampered with or half-restored: refused
 * rather than re-issued, because re-issuing would silently change the published trust root.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import path from "node:path";
import { TrustError } from "../../errors.js";
import { createFileExclusive, readPrivateFile } from "../../fs/atomic-file.js";
import { keyIdentifier, parseCertificate, signCertificate } from "./certificate-signer.js";
import type { KeySigner } from "./key-signer.js";

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

/** What a self-signed root certificate is made from (used only when it is first issued). */
export interface RootCertificateRequest {
  directory: string;
  /** File stem: `<directory>/<name>.crt.pem`. */
  name: string;
  /** Distinguished name, subject and issuer alike (`CN=…, O=…`). */
  distinguishedName: string;
  key: KeySigner;
  notBefore: Date;
  notAfter: Date;
  /** How many CA certificates may follow it in a chain (basicConstraints pathLenConstraint). */
  pathLength: number;
}

/**
 * The self-signed root of the embedded CA or TSA: CA, keyCertSign and cRLSign, its own subject
 * key identifier. Loaded when stored, issued on first start. Returns the certificate and its key
 * identifier, which the certificates it issues name as their authority key identifier.
 */
export async function loadOrIssueRootCertificate(request: RootCertificateRequest): Promise<{ certificate: x509.X509Certificate; keyId: string }> {
  const keyId = await keyIdentifier(request.key.publicKeySpki);
  const certificate = await loadOrIssueCertificate(request.directory, request.name, request.key.publicKeySpki, () =>
    signCertificate(
      {
        subject: request.distinguishedName,
        issuer: request.distinguishedName,
        publicKeySpki: request.key.publicKeySpki,
        notBefore: request.notBefore,
        notAfter: request.notAfter,
        extensions: [
          new x509.BasicConstraintsExtension(true, request.pathLength, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          new x509.SubjectKeyIdentifierExtension(keyId),
        ],
      },
      request.key,
    ),
  );
  return { certificate, keyId };
}
