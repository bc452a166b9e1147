/**
 * The embedded RFC 3161 timestamp authority.
 *
 * Two uses of one signer: `timestamp()` stamps a signature while a bundle is built (through
 * {@link EmbeddedTSA.witness}), and `respond()` answers a raw TimeStampReq for the RFC 3161 HTTP
 * endpoint (`POST /api/v1/timestamp`). Both return a DER TimeStampResp, which is also exactly what a
 * Sigstore bundle's `rfc3161Timestamps[].signedTimestamp` holds. Times are whole seconds
 * (accuracy ±1 s) because @sigstore/core only parses `genTime` without fractions or with three
 * digits, and verifiers compare it with whole-second certificate validity.
 */
import "reflect-metadata";
import type * as x509 from "@peculiar/x509";
import type { Witness } from "@sigstore/sign";
import { createHash } from "node:crypto";
import type { KeySigner } from "../keys/key-signer.js";
import { wholeSecond } from "../keys/validity.js";
import { DEFAULT_CA_VALIDITY_YEARS, DEFAULT_ORGANIZATION, type CASubject } from "./ca.js";
import { OID_SHA256 } from "./tsa/oids.js";
import { FailureInfo, rejectionResponse } from "./tsa/rejection.js";
import { parseTimeStampRequest } from "./tsa/request.js";
import { grantedResponse, prepareTokenSigner, type TokenSigner } from "./tsa/token.js";
import { openTsaChain } from "./tsa/tsa-chain.js";
import type { TimestampAuthority } from "../timestamp-authority.js";
import { TimestampWitness } from "../timestamp-witness.js";

/**
 * Default TSA policy OID: the one Sigstore's timestamp-authority uses, so tools that expect a
 * Sigstore TSA see a familiar policy. Configurable.
 */
export const DEFAULT_TSA_POLICY = "1.3.6.1.4.1.57264.2";

/** Options of {@link EmbeddedTSA.open}. */
export interface EmbeddedTSAOptions {
  /** Where the chain is persisted (`tsa-root.crt.pem`, `tsa.crt.pem`): the key directory. */
  directory: string;
  /** Signs the TSA root (self-signed) and the TSA certificate. */
  rootKey: KeySigner;
  /** Signs timestamps. */
  signingKey: KeySigner;
  /** `O=` of the TSA names; default {@link DEFAULT_ORGANIZATION}. */
  organization?: string;
  /** TSA policy OID; default {@link DEFAULT_TSA_POLICY}. */
  policy?: string;
  /** Root validity in years, used only when the chain is first created. */
  validityYears?: number;
  /** Clock; default the system clock. */
  now?: () => Date;
}

export class EmbeddedTSA implements TimestampAuthority {
  readonly root: x509.X509Certificate;
  /** The TSA signing certificate (critical EKU timeStamping). */
  readonly leaf: x509.X509Certificate;
  /** The policy OID written into every token. */
  readonly policy: string;
  readonly #signer: TokenSigner;
  readonly #now: () => Date;

  private constructor(chain: { root: x509.X509Certificate; leaf: x509.X509Certificate }, signingKey: KeySigner, policy: string, now: () => Date) {
    this.root = chain.root;
    this.leaf = chain.leaf;
    this.policy = policy;
    this.#signer = prepareTokenSigner(signingKey, Buffer.from(chain.leaf.rawData), policy);
    this.#now = now;
  }

  /**
   * Loads the persisted TSA chain, issuing it on first start, and encodes the constant parts of
   * its tokens once. Throws a `TrustError` if the chain cannot be read or issued.
   */
  static async open(options: EmbeddedTSAOptions): Promise<EmbeddedTSA> {
    const now = options.now ?? (() => new Date());
    const chain = await openTsaChain({
      directory: options.directory,
      rootKey: options.rootKey,
      signingKey: options.signingKey,
      organization: options.organization ?? DEFAULT_ORGANIZATION,
      validityYears: options.validityYears ?? DEFAULT_CA_VALIDITY_YEARS,
      now,
    });
    return new EmbeddedTSA(chain, options.signingKey, options.policy ?? DEFAULT_TSA_POLICY, now);
  }

  /** Start of the TSA's validity (the root's back-dated notBefore): the trusted root's `validFor.start`. */
  get validFrom(): Date {
    return this.root.notBefore;
  }

  /** The TSA root's `O=` and `CN=`, as the trusted root's `subject`. */
  get subject(): CASubject {
    const name = this.root.subjectName;
    return { organization: name.getField("O")[0] ?? "", commonName: name.getField("CN")[0] ?? "" };
  }

  /** The chain as the trusted root lists it: TSA leaf first, then the root. PEM. */
  chainPem(): string[] {
    return [this.leaf.toString("pem"), this.root.toString("pem")];
  }

  /** The chain, TSA leaf first, DER (also the body of `GET /api/v1/timestamp/certchain` in PEM). */
  chainDer(): Buffer<ArrayBuffer>[] {
    return [Buffer.from(this.leaf.rawData), Buffer.from(this.root.rawData)];
  }

  /**
   * Timestamps `data` (for a bundle: the signature bytes) with a SHA-256 message imprint and
   * returns the DER TimeStampResp, ready to be a bundle's `signedTimestamp`. The TSA certificate is
   * included. Throws only if the signing key fails.
   */
  async timestamp(data: Uint8Array): Promise<Buffer<ArrayBuffer>> {
    return grantedResponse(
      {
        hashAlgorithm: OID_SHA256,
        hashedMessage: createHash("sha256").update(data).digest(),
        genTime: wholeSecond(this.#now()),
        includeCertificate: true,
      },
      this.#signer,
    );
  }

  /**
   * Answers a DER TimeStampReq with a DER TimeStampResp (RFC 3161 §2.4). A malformed or
   * unacceptable request, or a failing signer, yields a rejection with its PKIFailureInfo bit;
   * this never throws. The nonce is echoed and the certificate included when `certReq` is set.
   */
  async respond(timeStampReqDer: Uint8Array): Promise<Buffer<ArrayBuffer>> {
    const request = parseTimeStampRequest(timeStampReqDer, this.policy);
    if (!request.ok) return rejectionResponse(request.failure, request.reason);
    try {
      return await grantedResponse(
        {
          hashAlgorithm: request.hashAlgorithm,
          hashedMessage: request.hashedMessage,
          genTime: wholeSecond(this.#now()),
          ...(request.nonce ? { nonce: request.nonce } : {}),
          includeCertificate: request.certReq,
        },
        this.#signer,
      );
    } catch {
      return rejectionResponse(FailureInfo.systemFailure, "the timestamp could not be signed");
    }
  }

  /** A `@sigstore/sign` Witness that adds this TSA's timestamp of the signature to a bundle. */
  witness(): Witness {
    return new TimestampWitness(this);
  }
}
