/**
 * Who the transparency log says signed: the verifier recorded in a log entry's body.
 *
 * `@sigstore/verify` compares the logged signature and digest with the bundle but not the logged
 * certificate or key, so a bundle could carry one certificate while its log entry records another.
 * Reading the logged verifier lets that show as TLOG_BODY_MISMATCH, and lets a wrong expected key
 * show as KEY_MISMATCH rather than a bare signature failure.
 */
import type { TransparencyLogEntry } from "@sigstore/protobuf-specs";
import { pem } from "@sigstore/core";

/** The signer's certificate or key as logged, as DER. */
export type LoggedVerifier = { certificate: Buffer } | { publicKey: Buffer };

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A Rekor v1 verifier: base64 of a PEM that holds a certificate or a public key. */
function fromPemBase64(value: unknown): LoggedVerifier | undefined {
  if (typeof value !== "string") return undefined;
  const text = Buffer.from(value, "base64").toString("utf8");
  const der = pem.toDER(text);
  if (der.length === 0) return undefined;
  return text.includes("CERTIFICATE") ? { certificate: der } : { publicKey: der };
}

/** A Rekor v2 verifier message: `{ x509Certificate: { rawBytes } }` or `{ publicKey: { rawBytes } }`. */
function fromVerifierMessage(value: unknown): LoggedVerifier | undefined {
  const verifier = obj(value);
  const cert = obj(verifier?.["x509Certificate"])?.["rawBytes"];
  if (typeof cert === "string") return { certificate: Buffer.from(cert, "base64") };
  const key = obj(verifier?.["publicKey"])?.["rawBytes"];
  if (typeof key === "string") return { publicKey: Buffer.from(key, "base64") };
  return undefined;
}

/**
 * Extracts the logged verifier from an entry's canonicalized body, for the kinds Sigstore clients
 * produce (hashedrekord 0.0.1/0.0.2, dsse 0.0.1/0.0.2, intoto 0.0.2). Returns undefined when the
 * body has another shape; the library's own body checks then decide.
 */
export function loggedVerifier(entry: TransparencyLogEntry): LoggedVerifier | undefined {
  let body: Json | undefined;
  try {
    body = obj(JSON.parse(entry.canonicalizedBody.toString("utf8")));
  } catch {
    return undefined;
  }
  const spec = obj(body?.["spec"]);
  if (!spec) return undefined;
  try {
    switch (`${String(body?.["kind"])}/${String(body?.["apiVersion"])}`) {
      case "hashedrekord/0.0.1":
        return fromPemBase64(obj(obj(spec["signature"])?.["publicKey"])?.["content"]);
      case "dsse/0.0.1": {
        const sigs = spec["signatures"];
        return Array.isArray(sigs) ? fromPemBase64(obj(sigs[0])?.["verifier"]) : undefined;
      }
      case "intoto/0.0.2": {
        const sigs = obj(obj(spec["content"])?.["envelope"])?.["signatures"];
        return Array.isArray(sigs) ? fromPemBase64(obj(sigs[0])?.["publicKey"]) : undefined;
      }
      case "hashedrekord/0.0.2":
        return fromVerifierMessage(obj(obj(spec["hashedRekordV002"])?.["signature"])?.["verifier"]);
      case "dsse/0.0.2": {
        const sigs = obj(spec["dsseV002"])?.["signatures"];
        return Array.isArray(sigs) ? fromVerifierMessage(obj(sigs[0])?.["verifier"]) : undefined;
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
