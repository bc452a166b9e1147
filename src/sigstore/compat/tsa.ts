/**
 * The Sigstore timestamp-authority REST API over the embedded TSA:
 *
 *   POST /api/v1/timestamp           application/timestamp-query (DER TimeStampReq), or
 *                                    application/json {artifactHash (base64), hashAlgorithm,
 *                                    nonce?, certificates?, tsaPolicyOID?} as sigstore-js sends
 *                                    → 201 application/timestamp-reply (DER TimeStampResp);
 *                                    a refused request → 400 with the DER rejection
 *   GET  /api/v1/timestamp/certchain → application/pem-certificate-chain, TSA leaf first
 *
 * JSON requests are turned into a DER TimeStampReq, so both forms take the one RFC 3161 path
 * (`EmbeddedTSA.respond`), which answers every request and never throws.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { EmbeddedStack } from "../embedded/stack.js";
import { CompatHttpError, hasContentType, parseJsonBody, readBody, sendBytes, type Req, type Res } from "./http.js";

/** Largest request body, in bytes (a TimeStampReq is under 200 bytes). */
const MAX_REQUEST_BYTES = 16 * 1024;

const HASH_OIDS: Record<string, { oid: string; bytes: number }> = {
  sha256: { oid: "2.16.840.1.101.3.4.2.1", bytes: 32 },
  sha384: { oid: "2.16.840.1.101.3.4.2.2", bytes: 48 },
  sha512: { oid: "2.16.840.1.101.3.4.2.3", bytes: 64 },
};

/** Builds the DER TimeStampReq equivalent to a sigstore timestamp-authority JSON request. */
export function jsonToTimeStampReq(value: unknown): Uint8Array {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CompatHttpError(400, "the timestamp request must be a JSON object");
  const { artifactHash, hashAlgorithm = "sha256", nonce, certificates = true, tsaPolicyOID } = value as Record<string, unknown>;
  const alg = typeof hashAlgorithm === "string" ? HASH_OIDS[hashAlgorithm.toLowerCase()] : undefined;
  if (alg === undefined || typeof hashAlgorithm !== "string") throw new CompatHttpError(400, "hashAlgorithm must be sha256, sha384 or sha512");
  if (typeof artifactHash !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(artifactHash)) throw new CompatHttpError(400, "artifactHash must be base64");
  const digest = Buffer.from(artifactHash, "base64");
  if (digest.length !== alg.bytes) throw new CompatHttpError(400, `artifactHash must be a ${hashAlgorithm} digest (${alg.bytes} bytes)`);
  if (nonce !== undefined && (typeof nonce !== "number" || !Number.isSafeInteger(nonce) || nonce < 0))
    throw new CompatHttpError(400, "nonce must be a non-negative integer");
  if (typeof certificates !== "boolean") throw new CompatHttpError(400, "certificates must be a boolean");
  if (tsaPolicyOID !== undefined && (typeof tsaPolicyOID !== "string" || !/^\d+(\.\d+)+$/.test(tsaPolicyOID)))
    throw new CompatHttpError(400, "tsaPolicyOID must be an OID");
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: alg.oid, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: new Uint8Array(digest).buffer }),
    }),
    certReq: certificates,
    ...(nonce === undefined ? {} : { nonce: new asn1js.Integer({ value: nonce }) }),
    ...(tsaPolicyOID === undefined ? {} : { reqPolicy: tsaPolicyOID }),
  });
  return new Uint8Array(request.toSchema().toBER());
}

/** True when a DER TimeStampResp grants (PKIStatus granted or grantedWithMods). */
function granted(response: Uint8Array): boolean {
  try {
    const parsed = asn1js.fromBER(new Uint8Array(response));
    const status = new pkijs.TimeStampResp({ schema: parsed.result }).status.status;
    return status === pkijs.PKIStatus.granted || status === pkijs.PKIStatus.grantedWithMods;
  } catch {
    return false;
  }
}

export function createTsaRoutes(stack: EmbeddedStack) {
  return async function route(req: Req, res: Res, url: URL): Promise<boolean> {
    if (url.pathname === "/api/v1/timestamp") {
      if (req.method !== "POST") throw new CompatHttpError(405, `${req.method} is not allowed on ${url.pathname}`, { allow: "POST" });
      const body = await readBody(req, MAX_REQUEST_BYTES);
      const der = hasContentType(req, "application/json") ? jsonToTimeStampReq(parseJsonBody(body)) : body;
      const response = await stack.tsa.respond(der);
      sendBytes(res, granted(response) ? 201 : 400, "application/timestamp-reply", response);
      return true;
    }
    if (url.pathname === "/api/v1/timestamp/certchain") {
      if (req.method !== "GET" && req.method !== "HEAD") throw new CompatHttpError(405, `${req.method} is not allowed on ${url.pathname}`, { allow: "GET" });
      sendBytes(res, 200, "application/pem-certificate-chain", stack.tsa.chainPem().join(""));
      return true;
    }
    return false;
  };
}
