/**
 * A KeySigner over a private key held in this process (loaded from the key store's PKCS#8 file).
 *
 * The KeyObject is parsed once and cached: parsing PEM per signature would cost more than the
 * signature itself. The private key lives in an ES private field and is never reachable from
 * `toString`, `util.inspect`, `JSON.stringify` or an error message.
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, type KeyObject } from "node:crypto";
import { inspect } from "node:util";
import { TrustError } from "../../errors.js";
import type { KeySigner } from "./key-signer.js";

/** The only key type KeySigner promises: ECDSA over NIST P-256 (OpenSSL calls it prime256v1). */
const P256_OPENSSL_NAME = "prime256v1";

export class FileSigner implements KeySigner {
  readonly name: string;
  readonly publicKeySpki: Buffer;
  readonly publicKeyPem: string;
  readonly #privateKey: KeyObject;

  private constructor(name: string, privateKey: KeyObject) {
    this.name = name;
    this.#privateKey = privateKey;
    const publicKey = createPublicKey(privateKey);
    this.publicKeySpki = publicKey.export({ type: "spki", format: "der" });
    this.publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  }

  /**
   * Parses a PKCS#8 PEM private key. Throws a `TrustError` (`FAILED_PRECONDITION`) naming the key,
   * never quoting it, if the bytes are not an unencrypted P-256 private key.
   */
  static fromPkcs8Pem(name: string, pem: string | Buffer): FileSigner {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: "pem" });
    } catch {
      // The parser's error is dropped on purpose: OpenSSL messages can echo input fragments.
      throw new TrustError("FAILED_PRECONDITION", `key ${name}: not a readable PKCS#8 PEM private key`);
    }
    if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== P256_OPENSSL_NAME) {
      throw new TrustError("FAILED_PRECONDITION", `key ${name}: expected an ECDSA P-256 private key`);
    }
    return new FileSigner(name, key);
  }

  /** ECDSA P-256 over SHA-256 of `data`, DER-encoded (what X.509, CMS and Rekor expect). */
  sign(data: Uint8Array): Promise<Buffer> {
    // Synchronous here, but the port is asynchronous (a KMS signer): a throw becomes a rejection.
    // The bare KeyObject (DER is the default encoding): wrapping it in `{ key, dsaEncoding }`
    // makes Node re-inspect the key on every call, about a third of a P-256 signature's cost.
    return new Promise((resolve) => resolve(nodeSign("sha256", data, this.#privateKey)));
  }

  /**
   * Hands the private key to `use`, for a signing thread that signs with it off the event loop
   * (`sigstore/embedded/signing-thread.ts`: Node clones a KeyObject into a worker thread). The
   * one way the key leaves this object; nothing serializes or logs it.
   */
  shareKey(use: (key: KeyObject) => void): void {
    use(this.#privateKey);
  }

  toString(): string {
    return `FileSigner(${this.name})`;
  }

  /** Only public facts: a signer accidentally serialized into a log line leaks nothing. */
  toJSON(): { name: string; publicKeyPem: string } {
    return { name: this.name, publicKeyPem: this.publicKeyPem };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
