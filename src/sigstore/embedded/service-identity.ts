/**
 * The service's own signing identity for its outer signatures (default
 * `certus-trust@certus.cloud`, issuer = the service's URL), as a `@sigstore/sign` `Signer`.
 *
 * Like a Fulcio client it signs with an ephemeral P-256 key certified by the CA for 10 minutes.
 * Issuing a certificate costs milliseconds while a signature costs a fraction of one, so the key
 * and certificate are reused until less than {@link DEFAULT_RENEW_BEFORE_MS} of validity is left;
 * concurrent callers then share one renewal. The key lives only in memory and is never persisted.
 */
import { p256 } from "@noble/curves/nist.js";
import type { Signature, Signer } from "@sigstore/sign";
import { generateKeyPairSync, sign as nodeSign, type KeyObject } from "node:crypto";
import { inspect } from "node:util";
import { InvalidArgumentError } from "../../errors.js";
import type { CertificateAuthority } from "../certificate-authority.js";
import type { SigningThread } from "./signing-thread.js";

/** The identity in the service's outer signatures unless configured otherwise. */
export const DEFAULT_SERVICE_IDENTITY = "certus-trust@certus.cloud";
/** Renew the certificate when less than this is left, in milliseconds (2 minutes). */
export const DEFAULT_RENEW_BEFORE_MS = 2 * 60 * 1000;
/** Length of a SHA-256 digest, in bytes. */
const SHA256_BYTES = 32;

/** Options of {@link ServiceIdentity}. */
export interface ServiceIdentityOptions {
  /** Issues the identity's certificates (the embedded CA, through the CA port). */
  ca: CertificateAuthority;
  /** OIDC issuer written into the certificate: the service's configured URL. */
  issuer: string;
  /** SAN of the certificate; default {@link DEFAULT_SERVICE_IDENTITY}. */
  identity?: string;
  /** Renewal margin in milliseconds; default {@link DEFAULT_RENEW_BEFORE_MS}. */
  renewBeforeMs?: number;
  /** Clock; default the system clock. */
  now?: () => Date;
  /** Where the signatures are made (see signing-thread.ts); default this thread. */
  thread?: SigningThread;
}

/** One key and the certificate for it; replaced as a whole, never mutated. */
interface Credential {
  readonly privateKey: KeyObject;
  /** The private scalar, for prehashed signing with @noble/curves. */
  readonly scalar: Uint8Array;
  readonly certificatePem: string;
  readonly notAfter: Date;
  /** The key's slot in the signing thread, when there is one. */
  readonly slot: number | undefined;
}

export class ServiceIdentity implements Signer {
  /** The SAN in the certificates. */
  readonly identity: string;
  /** The OIDC issuer extension in the certificates. */
  readonly issuer: string;
  readonly #ca: CertificateAuthority;
  readonly #renewBeforeMs: number;
  readonly #now: () => Date;
  readonly #thread: SigningThread | undefined;
  #credential: Credential | undefined;
  /** The slot of the credential before the current one, dropped at the next renewal. */
  #retiredSlot: number | undefined;
  #renewal: Promise<Credential> | undefined;

  constructor(options: ServiceIdentityOptions) {
    this.identity = options.identity ?? DEFAULT_SERVICE_IDENTITY;
    this.issuer = options.issuer;
    this.#ca = options.ca;
    this.#renewBeforeMs = options.renewBeforeMs ?? DEFAULT_RENEW_BEFORE_MS;
    this.#now = options.now ?? (() => new Date());
    this.#thread = options.thread;
    if (!(this.#renewBeforeMs >= 0 && this.#renewBeforeMs < 10 * 60 * 1000)) {
      throw new TypeError("renewBeforeMs must be between 0 and the 10-minute certificate lifetime");
    }
  }

  /**
   * `Signer.sign`: ECDSA P-256 over SHA-256 of `data` (DER), with the certificate for the key.
   * The signature and certificate come from one credential even if a renewal runs meanwhile.
   */
  async sign(data: Buffer): Promise<Signature> {
    const credential = await this.#current();
    // The bare KeyObject (DER is the default encoding): wrapping it in `{ key, dsaEncoding }`
    // makes Node re-inspect the key on every call, about a third of a P-256 signature's cost.
    const signature =
      this.#thread && credential.slot !== undefined ? await this.#thread.sign(credential.slot, data) : nodeSign("sha256", data, credential.privateKey);
    return { signature, key: { $case: "x509Certificate", certificate: credential.certificatePem } };
  }

  /**
   * Signs a SHA-256 `digest` without hashing it again (for message signatures made from an
   * artifact's digest alone). The DER signature equals an ECDSA-SHA256 signature over the bytes the
   * digest was computed from; it is returned with its certificate, as `sign` does, because a
   * signature is useless without the certificate of the key that made it.
   */
  async signPrehashed(digest: Uint8Array): Promise<Signature> {
    if (digest.length !== SHA256_BYTES) throw new InvalidArgumentError("digest", "must be a 32-byte SHA-256 digest");
    const credential = await this.#current();
    // Hedged (RFC 6979 plus fresh randomness): signing the same digest twice must give two
    // distinct signatures, hence two distinct log entries, as ordinary ECDSA signing does.
    const der =
      this.#thread && credential.slot !== undefined
        ? await this.#thread.signPrehashed(credential.slot, digest)
        : p256.sign(digest, credential.scalar, { prehash: false, format: "der", extraEntropy: true });
    return {
      signature: Buffer.from(der),
      key: { $case: "x509Certificate", certificate: credential.certificatePem },
    };
  }

  /** The certificate currently in use (renewing it if due), PEM. */
  async certificatePem(): Promise<string> {
    return (await this.#current()).certificatePem;
  }

  async #current(): Promise<Credential> {
    const credential = this.#credential;
    if (credential && credential.notAfter.getTime() - this.#now().getTime() > this.#renewBeforeMs) return credential;
    this.#renewal ??= this.#renew().finally(() => {
      this.#renewal = undefined;
    });
    return this.#renewal;
  }

  async #renew(): Promise<Credential> {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = privateKey.export({ format: "jwk" });
    if (typeof jwk.d !== "string") throw new TypeError("P-256 private key without a scalar");
    const issued = await this.#ca.certify({
      publicKey: publicKey.export({ type: "spki", format: "der" }),
      identity: this.identity,
      issuer: this.issuer,
      notBefore: this.#now(),
    });
    const credential: Credential = {
      privateKey,
      scalar: new Uint8Array(Buffer.from(jwk.d, "base64url")),
      certificatePem: issued.certificatePem,
      notAfter: issued.notAfter,
      slot: this.#thread?.install(privateKey),
    };
    // The thread keeps the replaced key for one more renewal (minutes): a Sign that took the old
    // credential just before the renewal may still ask for its signature.
    if (this.#retiredSlot !== undefined) this.#thread?.drop(this.#retiredSlot);
    this.#retiredSlot = this.#credential?.slot;
    this.#credential = credential;
    return credential;
  }

  toString(): string {
    return `ServiceIdentity(${this.identity} from ${this.issuer})`;
  }

  toJSON(): { identity: string; issuer: string } {
    return { identity: this.identity, issuer: this.issuer };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
