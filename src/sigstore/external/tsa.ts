/**
 * An external RFC 3161 timestamp authority (the Sigstore timestamp-authority REST API,
 * `POST /api/v1/timestamp`, JSON request) behind the TSA port; `timestamp-witness.ts` makes it a
 * signing witness (it timestamps the signature bytes, as sigstore-js does, and the bundle carries
 * the DER TimeStampResp). The answer is checked to be a
 * granted TimeStampResp before it goes into a bundle: garbage is retried, a rejection is final.
 */
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { UnavailableError } from "../../errors.js";
import type { TimestampAuthority } from "../timestamp-authority.js";
import { DefinitiveError, TransientUpstreamError } from "./retrying-call.js";
import { snippet, type UpstreamHttp } from "./upstream-http.js";

/** The path of the timestamp endpoint under the TSA's base URL. */
export const TIMESTAMP_PATH = "/api/v1/timestamp";

/** PKIStatus of a DER TimeStampResp, or undefined when it is not one. */
export function timeStampStatus(der: Uint8Array): number | undefined {
  try {
    const parsed = asn1js.fromBER(new Uint8Array(der));
    if (parsed.offset === -1) return undefined;
    const resp = new pkijs.TimeStampResp({ schema: parsed.result });
    const status = resp.status.status;
    if ((status === pkijs.PKIStatus.granted || status === pkijs.PKIStatus.grantedWithMods) && resp.timeStampToken === undefined) return undefined;
    return status;
  } catch {
    return undefined;
  }
}

/** An upstream RFC 3161 TSA (Sigstore's timestamp-authority JSON API) as the {@link TimestampAuthority} port. */
export class TsaClient implements TimestampAuthority {
  constructor(readonly http: UpstreamHttp) {}

  /** A granted DER TimeStampResp over SHA-256 of `signature`. */
  async timestamp(signature: Uint8Array): Promise<Buffer> {
    const body = JSON.stringify({ artifactHash: createHash("sha256").update(signature).digest("base64"), hashAlgorithm: "sha256", certificates: true });
    return this.http.call(
      TIMESTAMP_PATH,
      { method: "POST", headers: { "content-type": "application/json", accept: "application/timestamp-reply" }, body },
      (res) => {
        const status = timeStampStatus(res.body);
        if (res.status >= 200 && res.status <= 299) {
          if (status === 0 || status === 1) return res.body;
          if (status === undefined) throw new TransientUpstreamError(`the timestamp response is not a granted TimeStampResp (HTTP ${res.status})`);
        }
        throw new DefinitiveError(
          new UnavailableError(
            "tsa",
            `refused the timestamp request (HTTP ${res.status}${status === undefined ? snippet(res.body) : `, PKIStatus ${status}`})`,
          ),
        );
      },
    );
  }
}
