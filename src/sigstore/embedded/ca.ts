/**
 * The embedded, Fulcio-like certificate authority: a self-signed root, one intermediate, and
 * short-lived leaf certificates that bind a signer's identity (SAN) and OIDC issuer to a key.
 *
 * Leaves follow Fulcio's profile as stock verifiers read it (see SIGSTORE-NOTES.md): empty
 * subject, critical SAN, EKU codeSigning, keyUsage digitalSignature, the OIDC issuer both as
 * `1.3.6.1.4.1.57264.1.8` (a DER UTF8String) and as the legacy `…1.1` (raw bytes), AKI/SKI, and a
 * 10-minute validity. The root and intermediate are issued once and persisted as PEM beside their
 * keys, so the trusted root does not change across restarts.
 */
import type { CertificateAuthority, CertificateRequest, IssuedCertificate as PortIssuedCertificate } from "../certificate-authority.js";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import * as asn1js from "asn1js";
import { createPublicKey } from "node:crypto";
import { InvalidArgumentError } from "../../errors.js";
import { loadOrIssueCertificate, loadOrIssueRootCertificate } from "../keys/certificate-file.js";
import { keyIdentifier, signCertificate } from "../keys/certificate-signer.js";
import type { KeySigner } from "../keys/key-signer.js";
import { addYears, backdatedStart } from "../keys/validity.js";
import { finalCertificate, poisonExtension } from "./ct/final-certificate.js";
import type { PrecertificateLog } from "./ct/precertificate-log.js";

/** Fulcio's OIDC issuer extension (V2): the value is a DER UTF8String. */
export const OID_FULCIO_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";
/** Fulcio's legacy OIDC issuer extension (V1): the value is the issuer's raw bytes. */
export const OID_FULCIO_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";

/** Lifetime of a leaf certificate, as Fulcio issues them: 10 minutes, in milliseconds. */
export const LEAF_VALIDITY_MS = 10 * 60 * 1000;
/** Lifetime of the root (and the intermediate, which ends with it), in years. */
export const DEFAULT_CA_VALIDITY_YEARS = 10;
/** Default `O=` of the CA's names. */
export const DEFAULT_ORGANIZATION = "certus.cloud";
/** Longest identity or issuer accepted in a leaf, in characters. */
const MAX_IDENTITY_LENGTH = 1024;

/** Options of {@link EmbeddedCA.open}. */
export interface EmbeddedCAOptions {
  /** Where the chain is persisted (`ca-root.crt.pem`, `ca-intermediate.crt.pem`): the key directory. */
  directory: string;
  /** Signs the root (self-signed) and the intermediate. */
  rootKey: KeySigner;
  /** Signs the leaves. */
  intermediateKey: KeySigner;
  /** `O=` of the root and intermediate; default {@link DEFAULT_ORGANIZATION}. */
  organization?: string;
  /** Root validity in years, used only when the chain is first created. */
  validityYears?: number;
  /** Clock; default the system clock. */
  now?: () => Date;
  /**
   * The certificate-transparency log each leaf's precertificate is submitted to; its SCT is
   * embedded in the leaf. Without one, leaves carry no SCT (and a trusted root must then list no
   * CT log, or verifiers refuse them).
   */
  ctLog?: PrecertificateLog;
}

/** A request for a leaf certificate. */
export interface LeafRequest {
  /** The key to certify, SubjectPublicKeyInfo DER (EC P-256/P-384/P-521, Ed25519 or RSA ≥ 2048). */
  publicKey: Uint8Array;
  /** The signer's identity: an email address, or a URI (`https://…`, `spiffe://…`). */
  identity: string;
  /** The OIDC issuer that vouched for the identity (for the service itself, its own URL). */
  oidcIssuer: string;
  /** Start of validity before back-dating; default now. */
  notBefore?: Date;
}

/** An issued leaf certificate. */
export interface IssuedCertificate {
  certificatePem: string;
  certificateDer: Buffer<ArrayBuffer>;
  /** When the certificate stops being valid. */
  notAfter: Date;
  /** True when the certificate embeds an SCT from the CA's CT log. */
  embeddedSct: boolean;
}

/** Subject of a CA as the trusted root lists it. */
export interface CASubject {
  organization: string;
  commonName: string;
}

export class EmbeddedCA implements CertificateAuthority {
  readonly root: x509.X509Certificate;
  readonly intermediate: x509.X509Certificate;
  readonly #intermediateKey: KeySigner;
  readonly #intermediateKeyId: string;
  readonly #now: () => Date;
  readonly #ctLog: PrecertificateLog | undefined;

  private constructor(
    root: x509.X509Certificate,
    intermediate: x509.X509Certificate,
    intermediateKey: KeySigner,
    intermediateKeyId: string,
    now: () => Date,
    ctLog: PrecertificateLog | undefined,
  ) {
    this.root = root;
    this.intermediate = intermediate;
    this.#intermediateKey = intermediateKey;
    this.#intermediateKeyId = intermediateKeyId;
    this.#now = now;
    this.#ctLog = ctLog;
  }

  /** Loads the persisted chain, issuing the root and intermediate on first start. */
  static async open(options: EmbeddedCAOptions): Promise<EmbeddedCA> {
    const now = options.now ?? (() => new Date());
    const organization = options.organization ?? DEFAULT_ORGANIZATION;
    const notBefore = backdatedStart(now());
    const notAfter = addYears(notBefore, options.validityYears ?? DEFAULT_CA_VALIDITY_YEARS);
    const rootName = `CN=Certus-Trust Root CA, O=${organization}`;
    const intermediateName = `CN=Certus-Trust Intermediate CA, O=${organization}`;

    const { certificate: root, keyId: rootKeyId } = await loadOrIssueRootCertificate({
      directory: options.directory,
      name: "ca-root",
      distinguishedName: rootName,
      key: options.rootKey,
      notBefore,
      notAfter,
      pathLength: 1,
    });

    const intermediateKeyId = await keyIdentifier(options.intermediateKey.publicKeySpki);
    const intermediate = await loadOrIssueCertificate(options.directory, "ca-intermediate", options.intermediateKey.publicKeySpki, () =>
      signCertificate(
        {
          subject: intermediateName,
          issuer: root.subjectName,
          publicKeySpki: options.intermediateKey.publicKeySpki,
          notBefore,
          notAfter: root.notAfter,
          extensions: [
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
            // Fulcio's intermediate carries codeSigning too; some verifiers check EKU nesting.
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
            new x509.SubjectKeyIdentifierExtension(intermediateKeyId),
            new x509.AuthorityKeyIdentifierExtension(rootKeyId),
          ],
        },
        options.rootKey,
      ),
    );
    return new EmbeddedCA(root, intermediate, options.intermediateKey, intermediateKeyId, now, options.ctLog);
  }

  /** Start of the CA's validity (the root's notBefore, already back-dated): the trusted root's `validFor.start`. */
  get validFrom(): Date {
    return this.root.notBefore;
  }

  /** The root's `O=` and `CN=`, as the trusted root's `subject`. */
  get subject(): CASubject {
    return distinguishedName(this.root);
  }

  /** The chain above a leaf as PEM: intermediate, then root. */
  chainPem(): string[] {
    return [this.intermediate.toString("pem"), this.root.toString("pem")];
  }

  /** The chain above a leaf as DER: intermediate, then root. */
  chainDer(): Buffer<ArrayBuffer>[] {
    return [Buffer.from(this.intermediate.rawData), Buffer.from(this.root.rawData)];
  }

  /**
   * The {@link CertificateAuthority} port: a leaf for the request's key and identity, valid from
   * `notBefore` (default now). The CSR is not needed: the key's holder is this process.
   */
  async certify(request: CertificateRequest): Promise<PortIssuedCertificate> {
    const issued = await this.issueLeaf({
      publicKey: request.publicKey,
      identity: request.identity,
      oidcIssuer: request.issuer,
      ...(request.notBefore ? { notBefore: request.notBefore } : {}),
    });
    return { certificatePem: issued.certificatePem, notAfter: issued.notAfter };
  }

  /**
   * Issues a leaf certificate for `request.identity`. Throws `InvalidArgumentError` (fields
   * `publicKey`, `identity`, `oidcIssuer`) for a request no verifier could use.
   */
  async issueLeaf(request: LeafRequest): Promise<IssuedCertificate> {
    const publicKeySpki = checkPublicKey(request.publicKey);
    const san = subjectAlternativeName(request.identity);
    const issuer = checkText("oidcIssuer", request.oidcIssuer);
    const notBefore = backdatedStart(request.notBefore ?? this.#now());
    const notAfter = new Date(notBefore.getTime() + LEAF_VALIDITY_MS);
    // With a CT log, this is the precertificate (RFC 6962 §3.1): the poison extension goes last,
    // where the final certificate's SCT list will take its place.
    const ctLog = this.#ctLog;
    const signed = await signCertificate(
      {
        issuer: this.intermediate.subjectName,
        publicKeySpki,
        notBefore,
        notAfter,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.codeSigning]),
          new x509.SubjectKeyIdentifierExtension(await keyIdentifier(publicKeySpki)),
          new x509.AuthorityKeyIdentifierExtension(this.#intermediateKeyId),
          new x509.SubjectAlternativeNameExtension([san], true),
          new x509.Extension(OID_FULCIO_ISSUER_V1, false, Buffer.from(issuer, "utf8")),
          new x509.Extension(OID_FULCIO_ISSUER_V2, false, new asn1js.Utf8String({ value: issuer }).toBER()),
          ...(ctLog ? [poisonExtension()] : []),
        ],
      },
      this.#intermediateKey,
    );
    let certificate = signed;
    if (ctLog) {
      const sct = await ctLog.submit(new Uint8Array(signed.rawData), this.chainDer());
      certificate = new x509.X509Certificate(await finalCertificate(new Uint8Array(signed.rawData), [sct], this.#intermediateKey));
    }
    return {
      // With the final newline, as OpenSSL and Python's cryptography write PEM: the log entry
      // body carries this text, and sigstore-python rebuilds the body from the certificate and
      // compares the two byte for byte.
      certificatePem: `${certificate.toString("pem")}\n`,
      certificateDer: Buffer.from(certificate.rawData),
      notAfter: certificate.notAfter,
      embeddedSct: ctLog !== undefined,
    };
  }
}

function distinguishedName(certificate: x509.X509Certificate): CASubject {
  const name = certificate.subjectName;
  return {
    organization: name.getField("O")[0] ?? "",
    commonName: name.getField("CN")[0] ?? "",
  };
}

/** A URI scheme prefix (RFC 3986): identities with one are URIs even when they contain '@'. */
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function subjectAlternativeName(identity: string): { type: "email" | "url"; value: string } {
  const value = checkText("identity", identity);
  if (value.includes("@") && !URI_SCHEME.test(value)) {
    if (!EMAIL.test(value)) throw new InvalidArgumentError("identity", "not a valid email address");
    return { type: "email", value };
  }
  if (!URI_SCHEME.test(value) || !URL.canParse(value)) {
    throw new InvalidArgumentError("identity", "must be an email address or an absolute URI");
  }
  return { type: "url", value };
}

/** Whether `value` has a C0 control character (U+0000 to U+001F) or DEL (U+007F). */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x1f || code === 0x7f) return true;
  }
  return false;
}

function checkText(field: string, value: string): string {
  if (typeof value !== "string" || value.length === 0) throw new InvalidArgumentError(field, "must not be empty");
  if (value.length > MAX_IDENTITY_LENGTH) {
    throw new InvalidArgumentError(field, `must be at most ${MAX_IDENTITY_LENGTH} characters`);
  }
  if (hasControlCharacter(value)) throw new InvalidArgumentError(field, "must not contain control characters");
  return value;
}

function checkPublicKey(spki: Uint8Array): Buffer {
  const der = Buffer.from(spki);
  let key;
  try {
    key = createPublicKey({ key: der, format: "der", type: "spki" });
  } catch (err) {
    throw new InvalidArgumentError("publicKey", "not a DER SubjectPublicKeyInfo", { cause: err });
  }
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const ok =
    (type === "ec" && (curve === "prime256v1" || curve === "secp384r1" || curve === "secp521r1")) ||
    type === "ed25519" ||
    (type === "rsa" && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048);
  if (!ok) throw new InvalidArgumentError("publicKey", "unsupported key type (EC P-256/384/521, Ed25519, RSA ≥ 2048)");
  // Re-export so the certificate carries a canonical encoding, not whatever the caller sent.
  return key.export({ type: "spki", format: "der" });
}
