/**
 * Any {@link TimestampAuthority} as a `@sigstore/sign` Witness: it timestamps the bundle's
 * signature bytes and contributes the result to
 * `verificationMaterial.timestampVerificationData.rfc3161Timestamps`. Same shape as
 * @sigstore/sign's own `TSAWitness`; used with the embedded TSA and with an upstream one.
 */
import type { SignatureBundle, VerificationMaterial, Witness } from "@sigstore/sign";
import type { TimestampAuthority } from "./timestamp-authority.js";

export class TimestampWitness implements Witness {
  readonly #tsa: TimestampAuthority;

  constructor(tsa: TimestampAuthority) {
    this.#tsa = tsa;
  }

  /** Timestamps the signature (for DSSE, the envelope's only signature; not the payload). */
  async testify(content: SignatureBundle): Promise<VerificationMaterial> {
    const signature = content.$case === "dsseEnvelope" ? content.dsseEnvelope.signatures[0]?.sig : content.messageSignature.signature;
    if (signature === undefined) throw new TypeError("DSSE envelope without a signature");
    return { rfc3161Timestamps: [{ signedTimestamp: await this.#tsa.timestamp(signature) }] };
  }
}
