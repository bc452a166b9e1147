/**
 * An external Rekor as the signing pipeline's log witness. For one signature it submits the
 * entry, waits for the log's answer (with its inclusion proof and checkpoint: a bundle without
 * them does not verify) and remembers the entry so `Sign` can report it.
 *
 * - Rekor v1 (`POST /api/v1/log/entries`): `hashedrekord/0.0.1` for message signatures,
 *   `dsse/0.0.1` for DSSE; a 409 (the entry exists, e.g. a retry after a lost answer) is
 *   answered by fetching the existing entry named in `Location`.
 * - Rekor v2 (`POST /api/v2/log/entries`): `hashedrekord/0.0.2` for both; DSSE is logged as a
 *   hashedrekord over SHA-256 of its PAE (`dsse/0.0.2` is deprecated). v2 entries have no SET and
 *   no integrated time, so a TSA timestamp is what dates the signature.
 *
 * Rekor can take long to integrate under load: its client should allow at least 20 s per attempt
 * (see SIGSTORE-NOTES), which {@link MIN_REKOR_ATTEMPT_MS} records.
 */
import { pem } from "@sigstore/core";
import { createHash } from "node:crypto";
import { envelopeToJSON, type TLogEntryWithInclusionProof } from "@sigstore/bundle";
import { TransparencyLogEntry as TlogEntryMessage } from "@sigstore/protobuf-specs";
import type { SignatureBundle, VerificationMaterial, Witness } from "@sigstore/sign";
import { UnavailableError } from "../../errors.js";
import { preAuthEncoding } from "../verify/verifier-key.js";
import type { LoggedEntryRef } from "../signing-backend.js";
import { field } from "./json-fields.js";
import { DefinitiveError, TransientUpstreamError } from "./retrying-call.js";
import { jsonBody, snippet, type UpstreamHttp, type UpstreamResponse } from "./upstream-http.js";

/** Advised least time for one Rekor write, in milliseconds. */
export const MIN_REKOR_ATTEMPT_MS = 20_000;

/** The major API versions of Rekor this client speaks. */
export type RekorVersion = 1 | 2;

function pemToDer(text: string): Buffer {
  return pem.toDER(text);
}

/** Rekor v1's proposed entry for signed content (as sigstore-js builds it). */
export function proposedEntryV1(content: SignatureBundle, verifierPem: string): Record<string, unknown> {
  const verifier = Buffer.from(verifierPem).toString("base64");
  if (content.$case === "dsseEnvelope") {
    return {
      apiVersion: "0.0.1",
      kind: "dsse",
      spec: { proposedContent: { envelope: JSON.stringify(envelopeToJSON(content.dsseEnvelope)), verifiers: [verifier] } },
    };
  }
  const m = content.messageSignature;
  return {
    apiVersion: "0.0.1",
    kind: "hashedrekord",
    spec: {
      data: { hash: { algorithm: "sha256", value: Buffer.from(m.messageDigest.digest).toString("hex") } },
      signature: { content: Buffer.from(m.signature).toString("base64"), publicKey: { content: verifier } },
    },
  };
}

/** Rekor v2's create-entry request: a hashedrekord over the message digest, or over SHA-256 of the DSSE PAE. */
export function createEntryRequestV2(content: SignatureBundle, certificatePem: string): Record<string, unknown> {
  let digest: Buffer;
  let signature: Buffer;
  if (content.$case === "dsseEnvelope") {
    const env = content.dsseEnvelope;
    digest = createHash("sha256")
      .update(preAuthEncoding(env.payloadType, Buffer.from(env.payload)))
      .digest();
    const first = env.signatures[0];
    if (!first) throw new TypeError("the DSSE envelope holds no signature");
    signature = Buffer.from(first.sig);
  } else {
    digest = Buffer.from(content.messageSignature.messageDigest.digest);
    signature = Buffer.from(content.messageSignature.signature);
  }
  return {
    hashedRekordRequestV002: {
      digest: digest.toString("base64"),
      signature: {
        content: signature.toString("base64"),
        // A certificate (the service's, Fulcio's) or a bare public key (a key-signed inner signature).
        verifier: {
          ...(/-----BEGIN PUBLIC KEY-----/.test(certificatePem)
            ? { publicKey: { rawBytes: pemToDer(certificatePem).toString("base64") } }
            : { x509Certificate: { rawBytes: pemToDer(certificatePem).toString("base64") } }),
          keyDetails: "PKIX_ECDSA_P256_SHA_256",
        },
      },
    },
  };
}

const hexBytes = (v: unknown, what: string): Buffer => {
  if (typeof v !== "string" || !/^([0-9a-f]{2})*$/i.test(v)) throw new TransientUpstreamError(`the entry's ${what} is not hex`);
  return Buffer.from(v, "hex");
};

/** A logged entry: the bundle's tlog entry (with its inclusion proof and checkpoint) and the entry reference. */
export interface LoggedRekorEntry {
  readonly entry: TLogEntryWithInclusionProof;
  readonly ref: LoggedEntryRef & { readonly uuid: string };
}

/** Turns Rekor v1's `{uuid: LogEntry}` answer into the bundle's tlog entry and the entry reference. */
export function fromRekorV1Entry(json: unknown): LoggedRekorEntry {
  const entries: Array<[string, unknown]> = typeof json === "object" && json !== null && !Array.isArray(json) ? Object.entries(json) : [];
  const only = entries[0];
  if (entries.length !== 1 || !only) {
    throw new TransientUpstreamError("the log entry response is not a single {uuid: entry} object");
  }
  const [uuid, raw] = only;
  const rawBody = field(raw, "body");
  const body = typeof rawBody === "string" ? Buffer.from(rawBody, "base64") : undefined;
  const proof = field(field(raw, "verification"), "inclusionProof");
  const set = field(field(raw, "verification"), "signedEntryTimestamp");
  const logIndex = field(raw, "logIndex");
  const integratedTime = field(raw, "integratedTime");
  if (!body || typeof logIndex !== "number" || typeof integratedTime !== "number" || typeof set !== "string") {
    throw new TransientUpstreamError("the log entry lacks body, logIndex, integratedTime or signedEntryTimestamp");
  }
  const checkpoint = field(proof, "checkpoint");
  const hashes = field(proof, "hashes");
  const treeSize = field(proof, "treeSize");
  const proofIndex = field(proof, "logIndex");
  if (typeof checkpoint !== "string" || !Array.isArray(hashes) || typeof treeSize !== "number" || typeof proofIndex !== "number") {
    throw new TransientUpstreamError("the log entry has no inclusion proof with a checkpoint");
  }
  let kindVersion: { kind: string; version: string };
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { kind?: unknown; apiVersion?: unknown };
    if (typeof parsed.kind !== "string" || typeof parsed.apiVersion !== "string") throw new Error("no kind/apiVersion");
    kindVersion = { kind: parsed.kind, version: parsed.apiVersion };
  } catch (err) {
    throw new TransientUpstreamError("the log entry's body is not a Rekor entry", { cause: err });
  }
  const entry: TLogEntryWithInclusionProof = {
    logIndex: String(logIndex),
    logId: { keyId: hexBytes(field(raw, "logID"), "logID") },
    kindVersion,
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: Buffer.from(set, "base64") },
    inclusionProof: {
      logIndex: String(proofIndex),
      rootHash: hexBytes(field(proof, "rootHash"), "rootHash"),
      treeSize: String(treeSize),
      hashes: hashes.map((h: unknown) => hexBytes(h, "inclusion hash")),
      checkpoint: { envelope: checkpoint },
    },
    canonicalizedBody: body,
  };
  return { entry, ref: { logIndex, uuid, integratedTime } };
}

/** Turns Rekor v2's TransparencyLogEntry (proto3 JSON) into the bundle's entry and the reference. */
export function fromRekorV2Entry(json: unknown): LoggedRekorEntry {
  let message: TlogEntryMessage;
  try {
    message = TlogEntryMessage.fromJSON(json);
  } catch (err) {
    throw new TransientUpstreamError("the log entry is not a TransparencyLogEntry", { cause: err });
  }
  const { inclusionProof, logId, kindVersion } = message;
  if (!inclusionProof?.checkpoint?.envelope || !logId?.keyId.length || !kindVersion || message.canonicalizedBody.length === 0) {
    throw new TransientUpstreamError("the log entry lacks its inclusion proof, checkpoint, log ID or body");
  }
  const entry: TLogEntryWithInclusionProof = { ...message, logId, kindVersion, inclusionProof: { ...inclusionProof, checkpoint: inclusionProof.checkpoint } };
  const logIndex = Number(entry.logIndex);
  if (!Number.isSafeInteger(logIndex) || logIndex < 0) throw new TransientUpstreamError("the log entry's logIndex is out of range");
  // Rekor v2 has no UUIDs; the RFC 6962 leaf hash of the body names the entry the same way.
  const uuid = createHash("sha256")
    .update(Buffer.from([0]))
    .update(entry.canonicalizedBody)
    .digest("hex");
  return { entry, ref: { logIndex, uuid, integratedTime: Number(entry.integratedTime) || 0 } };
}

/** The Rekor client of the external mode. */
export class RekorClient {
  constructor(
    readonly http: UpstreamHttp,
    readonly version: RekorVersion,
  ) {}

  /** Logs signed content; resolves once the log answered with a usable entry. */
  async log(content: SignatureBundle, verifierPem: string): Promise<LoggedRekorEntry> {
    if (this.version === 2) {
      return this.http.call(
        "/api/v2/log/entries",
        {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(createEntryRequestV2(content, verifierPem)),
        },
        (res) => fromRekorV2Entry(jsonBody(this.#accepted(res, [200, 201]), "the log entry response")),
      );
    }
    return this.http.call(
      "/api/v1/log/entries",
      {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(proposedEntryV1(content, verifierPem)),
      },
      async (res) => {
        if (res.status === 409) {
          const uuid = (res.headers.get("location") ?? "").split("/").pop() ?? "";
          if (!/^[0-9a-f]{64,80}$/i.test(uuid))
            throw new DefinitiveError(new UnavailableError("rekor", "reported an existing entry without a usable Location"));
          // Inside this retrying call: one more request through the same client.
          return fetchEntry(this.http, uuid);
        }
        return fromRekorV1Entry(jsonBody(this.#accepted(res, [201]), "the log entry response"));
      },
    );
  }

  /** A definitive refusal (the log checked our entry and said no) is not a transient failure. */
  #accepted(res: UpstreamResponse, ok: number[]): UpstreamResponse {
    if (!ok.includes(res.status)) throw new DefinitiveError(new UnavailableError("rekor", `refused the entry (HTTP ${res.status}${snippet(res.body)})`));
    return res;
  }
}

function fetchEntry(http: UpstreamHttp, uuid: string) {
  return http.call(`/api/v1/log/entries/${uuid}`, { headers: { accept: "application/json" } }, (res) => {
    if (res.status !== 200) throw new TransientUpstreamError(`the existing entry ${uuid} could not be fetched (HTTP ${res.status})`);
    return fromRekorV1Entry(jsonBody(res, "the log entry"));
  });
}

/** A witness for one signature: logs it and remembers the entry. */
export class ExternalLogWitness implements Witness {
  logged: LoggedEntryRef | undefined;

  /** `recorded` runs (and must resolve) after the log answered and before the witness does: the entry index. */
  constructor(
    private readonly rekor: RekorClient,
    private readonly recorded?: (ref: LoggedEntryRef) => Promise<void>,
  ) {}

  async testify(content: SignatureBundle, publicKey: string): Promise<VerificationMaterial> {
    const { entry, ref } = await this.rekor.log(content, publicKey);
    await this.recorded?.(ref);
    this.logged = ref;
    return { tlogEntries: [entry] };
  }
}
