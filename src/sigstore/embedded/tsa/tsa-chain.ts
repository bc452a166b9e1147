/**
 * The TSA's certificate chain: a self-signed TSA root and the TSA signing certificate (critical
 * EKU timeStamping, as RFC 3161 §2.3 requires and `openssl ts -verify` checks). Issued once and
 * persisted as PEM beside the keys, so the trusted root's `timestampAuthorities` never change.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { loadOrIssueCertificate, loadOrIssueRootCertificate } from "../../keys/certificate-file.js";
import { keyIdentifier, signCertificate } from "../../keys/certificate-signer.js";
import type { KeySigner } from "../../keys/key-signer.js";
import { addYears, backdatedStart } from "../../keys/validity.js";

/** Options of {@link openTsaChain}. */
export interface TsaChainOptions {
  /** Where `tsa-root.crt.pem` and `tsa.crt.pem` are kept: the key directory. */
  directory: string;
  rootKey: KeySigner;
  signingKey: KeySigner;
  /** `O=` of both names. */
  organization: string;
  /** Root validity in years, used only when the chain is first created. */
  validityYears: number;
  now: () => Date;
}

/** The TSA root and the TSA signing certificate. */
export interface TsaChain {
  root: x509.X509Certificate;
  leaf: x509.X509Certificate;
}

/** Loads the persisted TSA chain, issuing it on first start. */
export async function openTsaChain(options: TsaChainOptions): Promise<TsaChain> {
  const notBefore = backdatedStart(options.now());
  const notAfter = addYears(notBefore, options.validityYears);
  const rootName = `CN=Certus-Trust TSA Root, O=${options.organization}`;
  const { certificate: root, keyId: rootKeyId } = await loadOrIssueRootCertificate({
    directory: options.directory,
    name: "tsa-root",
    distinguishedName: rootName,
    key: options.rootKey,
    notBefore,
    notAfter,
    pathLength: 0,
  });

  const leaf = await loadOrIssueCertificate(options.directory, "tsa", options.signingKey.publicKeySpki, async () =>
    signCertificate(
      {
        subject: `CN=Certus-Trust Timestamping, O=${options.organization}`,
        issuer: root.subjectName,
        publicKeySpki: options.signingKey.publicKeySpki,
        notBefore,
        notAfter: root.notAfter,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
          new x509.SubjectKeyIdentifierExtension(await keyIdentifier(options.signingKey.publicKeySpki)),
          new x509.AuthorityKeyIdentifierExtension(rootKeyId),
        ],
      },
      options.rootKey,
    ),
  );
  return { root, leaf };
}
