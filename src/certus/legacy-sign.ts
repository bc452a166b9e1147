/**
 * `LegacySign`: the body Certus-Integrity sends to `POST /v1/sign`
 * (`{"artifact": "<hex sha256>", "artifact_type", "subject", "predicates"}`), signed for real: a
 * message signature over the digest by the service's identity, logged as `hashedrekord` and
 * durable before the answer, answered in the legacy shape. The answer carries a `Deprecation`
 * header (RFC 9745) and a `Link` to the new form (`Sign`, same path, `artifact` as an object).
 */
import { pem } from "@sigstore/core";
import { createHash } from "node:crypto";
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import { LegacySignResponseSchema, type LegacySignRequest, type LegacySignResponse } from "@certus/trust-sdk/gen/certus/trust/v1/certus_integration_pb";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { InvalidArgumentError } from "../errors.js";
import type { SigningBackend } from "../sigstore/signing-backend.js";
import type { AuditTrail } from "../state/state-store.js";
import { loggedEntryOf } from "./ports.js";
import { signDigest } from "../sigstore/signing-pipeline.js";
import type { CallerOf } from "../rpc/caller.js";

/** When the legacy body was deprecated (RFC 9745 `@<unix seconds>`): 2026-01-01T00:00:00Z. */
export const LEGACY_SIGN_DEPRECATED_AT = "@1767225600";
/** Where the replacement is documented. */
export const LEGACY_SIGN_LINK = '</certus.trust.v1.TrustService/Sign>; rel="successor-version", </docs/migration.md>; rel="deprecation"; type="text/markdown"';
/** Longest `artifact_type` or `subject` recorded, characters. */
const MAX_LABEL_CHARS = 1024;
/** Largest `predicates` recorded, bytes of JSON. */
const MAX_PREDICATES_BYTES = 16 * 1024;

const HEX_DIGEST = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

export interface LegacySignDeps {
  signing: SigningBackend;
  audit: AuditTrail;
  callerOf: CallerOf;
}

export function createLegacySignHandler(deps: LegacySignDeps) {
  const { signing } = deps;
  return async function legacySign(req: LegacySignRequest, ctx: HandlerContext): Promise<LegacySignResponse> {
    ctx.responseHeader.set("deprecation", LEGACY_SIGN_DEPRECATED_AT);
    ctx.responseHeader.set("link", LEGACY_SIGN_LINK);
    const [, givenHex] = HEX_DIGEST.exec(req.artifact.trim()) ?? [];
    if (givenHex === undefined) throw new InvalidArgumentError("artifact", 'is the artifact\'s SHA-256: 64 hex characters, with or without "sha256:"');
    if (req.artifactType.length > MAX_LABEL_CHARS) throw new InvalidArgumentError("artifact_type", `at most ${MAX_LABEL_CHARS} characters`);
    if (req.subject.length > MAX_LABEL_CHARS) throw new InvalidArgumentError("subject", `at most ${MAX_LABEL_CHARS} characters`);
    const predicates = req.predicates ? JSON.stringify(req.predicates) : "{}";
    if (Buffer.byteLength(predicates) > MAX_PREDICATES_BYTES) throw new InvalidArgumentError("predicates", `larger than ${MAX_PREDICATES_BYTES} bytes of JSON`);
    const hex = givenHex.toLowerCase();
    const digest = Buffer.from(hex, "hex");
    const digestString = `sha256:${hex}`;
    const witnesses = signing.witnessesFor({ artifactDigest: digestString, signerSubject: signing.signer.identity });
    const bundle = await signDigest(signing.signer, witnesses.all, digest);
    const logged = loggedEntryOf(witnesses);
    const signingCertificate = bundle.verificationMaterial.certificate;
    const messageSignature = bundle.messageSignature;
    if (signingCertificate === undefined || messageSignature === undefined)
      throw new Error("the keyless signer returned a bundle without a certificate or a message signature");
    const certificate = Buffer.from(signingCertificate.rawBytes, "base64");
    const caller = deps.callerOf(ctx);
    await deps.audit.append({
      caller,
      action: "sign",
      artifact: { digest: digestString, ...(req.subject ? { uri: req.subject } : {}) },
      verdict: "allowed",
      reasons: [],
      logIndex: String(logged.logIndex),
      detail: {
        form: "legacy",
        artifact_type: req.artifactType,
        subject: req.subject,
        predicates_sha256: createHash("sha256").update(predicates).digest("hex"),
        signer: signing.signer.identity,
      },
    });
    return create(LegacySignResponseSchema, {
      entryId: logged.uuid,
      signature: messageSignature.signature,
      certificate: pem.fromDER(certificate),
      transparencyEntry: { uuid: logged.uuid, index: BigInt(logged.logIndex), timestamp: timestampFromMs(logged.integratedTime * 1000) },
      bundle: fromJson(BundleSchema, bundle as unknown as JsonValue),
    });
  };
}
