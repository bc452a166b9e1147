/**
 * The service's identity certified by an external Fulcio (v2 API, `POST /api/v2/signingCert`),
 * as the `Signer` of its outer signatures: an ephemeral P-256 key, a PKCS#10 request (its own
 * proof of possession, whatever claim the issuer's challenge uses) and the service's OIDC token.
 * Key and certificate are reused until less than {@link RENEW_BEFORE_MS} of validity is left, as
 * the embedded identity does; concurrent callers share one renewal.
 *
 * The certificate must name the configured identity and issuer: a Fulcio that certifies someone
 * else (a misconfigured client, the wrong token) must not make the service sign under that name.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { p256 } from "@noble/curves/nist.js";
import { X509Certificate } from "@sigstore/core";
import type { Signature } from "@sigstore/sign";
import { KeyObject, sign as nodeSign, webcrypto } from "node:crypto";
import { InvalidArgumentError, UnavailableError } from "../../errors.js";
import type { CertificateAuthority, CertificateRequest, IssuedCertificate } from "../certificate-authority.js";
import type { ServiceSigner } from "../signing-backend.js";
import { certificateSigner } from "../verify/identity.js";
import { field } from "./json-fields.js";
import type { ServiceTokenSource } from "./oidc.js";
import { DefinitiveError, TransientUpstreamError } from "./retrying-call.js";
import { jsonBody, snippet, type UpstreamHttp } from "./upstream-http.js";

/** Renew the certificate when less than this is left, in milliseconds (2 minutes). */
export const RENEW_BEFORE_MS = 2 * 60 * 1000;

interface Credential {
  readonly privateKey: KeyObject;
  readonly scalar: Uint8Array;
  readonly certificatePem: string;
  readonly notAfter: number;
}

export interface FulcioIdentityOptions {
  readonly http: UpstreamHttp;
  readonly tokens: ServiceTokenSource;
  /** The SAN the certificates must carry. */
  readonly identity: string;
  /** The OIDC issuer the certificates must carry. */
  readonly issuer: string;
  readonly now?: () => number;
}

export class FulcioIdentity implements ServiceSigner {
  readonly identity: string;
  readonly issuer: string;
  readonly #ca: FulcioCA;
  readonly #now: () => number;
  #credential: Credential | undefined;
  #renewal: Promise<Credential> | undefined;

  constructor(options: FulcioIdentityOptions) {
    this.identity = options.identity;
    this.issuer = options.issuer;
    this.#ca = new FulcioCA(options.http, options.tokens);
    this.#now = options.now ?? Date.now;
  }

  async sign(data: Buffer): Promise<Signature> {
    const c = await this.#current();
    return { signature: nodeSign("sha256", data, { key: c.privateKey, dsaEncoding: "der" }), key: { $case: "x509Certificate", certificate: c.certificatePem } };
  }

  async signPrehashed(digest: Uint8Array): Promise<Signature> {
    if (digest.length !== 32) throw new InvalidArgumentError("digest", "must be a 32-byte SHA-256 digest");
    const c = await this.#current();
    const der = p256.sign(digest, c.scalar, { prehash: false, format: "der", extraEntropy: true });
    return { signature: Buffer.from(der), key: { $case: "x509Certificate", certificate: c.certificatePem } };
  }

  async certificatePem(): Promise<string> {
    return (await this.#current()).certificatePem;
  }

  /** Gets a certificate now if none is held (readiness probes, start-up warm-up). */
  async ensureCertificate(): Promise<void> {
    await this.#current();
  }

  async #current(): Promise<Credential> {
    const c = this.#credential;
    if (c && c.notAfter - this.#now() > RENEW_BEFORE_MS) return c;
    this.#renewal ??= this.#renew().finally(() => (this.#renewal = undefined));
    return this.#renewal;
  }

  async #renew(): Promise<Credential> {
    const keys = await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: "CN=certus-trust", keys, signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } });
    const jwk = await webcrypto.subtle.exportKey("jwk", keys.privateKey);
    if (typeof jwk.d !== "string") throw new TypeError("P-256 private key without a scalar");
    const issued = await this.#ca.certify({
      publicKey: new Uint8Array(await webcrypto.subtle.exportKey("spki", keys.publicKey)),
      csrPem: csr.toString("pem"),
      identity: this.identity,
      issuer: this.issuer,
    });
    const certificatePem = issued.certificatePem;
    const credential: Credential = {
      privateKey: KeyObject.from(keys.privateKey),
      scalar: new Uint8Array(Buffer.from(jwk.d, "base64url")),
      certificatePem,
      notAfter: issued.notAfter.getTime(),
    };
    this.#credential = credential;
    return credential;
  }
}

/**
 * An upstream Fulcio as the {@link CertificateAuthority} port: the request's CSR (required) and the
 * service's OIDC token go to `POST /api/v2/signingCert`. The leaf must name the requested identity
 * and issuer, or the call fails with `UnavailableError`: a Fulcio certifying someone else must not
 * make the service sign under that name. A refused token is dropped so the next call gets a new one.
 */
export class FulcioCA implements CertificateAuthority {
  constructor(
    readonly http: UpstreamHttp,
    private readonly tokens: ServiceTokenSource,
  ) {}

  async certify(request: CertificateRequest): Promise<IssuedCertificate> {
    if (!request.csrPem) throw new InvalidArgumentError("csrPem", "Fulcio needs a CSR as proof of possession");
    const token = await this.tokens.token();
    const body = JSON.stringify({ credentials: { oidcIdentityToken: token }, certificateSigningRequest: Buffer.from(request.csrPem).toString("base64") });
    const certificatePem = await this.http.call(
      "/api/v2/signingCert",
      { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body },
      (res) => {
        // Fulcio answers 401/403 for a token it cannot verify, and 400 ("There was an error
        // processing the identity token") for one whose claims it will not certify, e.g. an email
        // with email_verified false: either way the token is the problem, not the request.
        if (res.status === 401 || res.status === 403 || (res.status === 400 && /identity token/i.test(res.body.toString()))) {
          this.tokens.invalidate();
          throw new DefinitiveError(new UnavailableError("fulcio", `refused the service's identity token (HTTP ${res.status}${snippet(res.body)})`));
        }
        if (res.status < 200 || res.status > 299)
          throw new DefinitiveError(new UnavailableError("fulcio", `refused the certificate request (HTTP ${res.status}${snippet(res.body)})`));
        return leafOf(jsonBody(res, "the signingCert response"));
      },
    );
    const cert = parseCertificate(certificatePem);
    const signer = certificateSigner(cert);
    if (signer.subject !== request.identity || signer.issuer !== request.issuer) {
      throw new UnavailableError(
        "fulcio",
        `certified ${JSON.stringify(signer.subject)} from ${JSON.stringify(signer.issuer ?? "(no issuer)")}, but this service is configured to sign as ${JSON.stringify(request.identity)} from ${JSON.stringify(request.issuer)}; check identity, issuer and the OIDC credentials`,
      );
    }
    return { certificatePem, notAfter: cert.notAfter };
  }
}

/** The leaf (first certificate) of a signingCert response, embedded or detached SCT form. */
function leafOf(json: unknown): string {
  const chainOf = (form: string) => field(field(field(json, form), "chain"), "certificates");
  const chain = chainOf("signedCertificateEmbeddedSct") ?? chainOf("signedCertificateDetachedSct");
  const leaf: unknown = Array.isArray(chain) ? chain[0] : undefined;
  if (typeof leaf !== "string" || !leaf.includes("-----BEGIN CERTIFICATE-----"))
    throw new TransientUpstreamError("the signingCert response holds no certificate chain");
  return leaf.endsWith("\n") ? leaf : `${leaf}\n`;
}

function parseCertificate(pem: string): X509Certificate {
  try {
    return X509Certificate.parse(pem);
  } catch (err) {
    throw new UnavailableError("fulcio", "answered with a certificate that cannot be parsed", { cause: err });
  }
}
