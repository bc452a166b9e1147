/**
 * `VerifyAndPermitUpload` (`POST /v1/verify-and-permit-upload`): Certus-Assurance asks permission
 * to store a scan. In order:
 *
 * 1. the request is checked (a malformed one is `invalid_argument`);
 * 2. the decision: artifacts present and uniquely named; the inner signature verifies over the
 *    upload manifest recomputed from the request (see `certus/upload-manifest.ts`) and its signer
 *    satisfies the tier's policy; a listed `manifest.json` and any per-file signatures agree.
 *    Every refusal happens here, before anything is logged;
 * 3. `verified` tier: the inner signature is logged if it is not yet (a key signature), and the
 *    service signs its outer DSSE statement over every artifact and the scan, which is logged;
 * 4. the decision (permitted or not) is recorded durably and audited, then answered;
 * 5. when permitted and a Transform URL is configured, Transform is called (after the answer,
 *    retried; see `certus/transform-callback.ts`).
 */
import { randomUUID, X509Certificate, createPublicKey } from "node:crypto";
import { create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  VerifyAndPermitUploadResponseSchema,
  type VerifyAndPermitUploadRequest,
  type VerifyAndPermitUploadResponse,
} from "@certus/trust-sdk/gen/certus/trust/v1/certus_integration_pb";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { verifyInnerSignature, type EntryRef, type InnerOutcome, type VerifiedInner } from "./inner-signature.js";
import type { StoredPermission } from "../state/state-store.js";
import { refusal, type Refusal } from "./reasons.js";
import { readSignature } from "./signature-shape.js";
import { storageConfigFor, type StorageTargets } from "./storage-config.js";
import { policyForTier } from "./tier-policy.js";
import type { TransformCallback } from "./transform-callback.js";
import { checkUploadRequest, type CheckedArtifact, type CheckedUploadRequest } from "./upload-request.js";
import { MANIFEST_NAME, uploadManifestDigest } from "./upload-manifest.js";
import { uploadStatement } from "./upload-statement.js";
import type { PolicyStore } from "../policy/store.js";
import { hashedRekordBody } from "../sigstore/rekor/entry-body.js";
import { signDsse } from "../sigstore/signing-pipeline.js";
import { verifyPrehashed } from "../sigstore/verify/prehashed.js";
import type { CallerOf } from "../rpc/caller.js";
import { loggedEntryOf, type CertusPorts } from "./ports.js";
import { requestBudget, type BundleJudge } from "./bundle-judge.js";

export interface PermitUploadDeps extends CertusPorts {
  policies: PolicyStore;
  callerOf: CallerOf;
  /** Judges the inner bundle (on the verification pool when there is one). */
  judge: BundleJudge;
  /** Time budget of one request's verifications, ms. */
  verifyBudgetMs: number;
  /** Undefined when the callback is off. */
  transform: TransformCallback | undefined;
  storage: StorageTargets;
}

/** Per-file signatures: each must verify over its artifact's hash with the manifest signer's key. */
function checkFileSignatures(artifacts: readonly CheckedArtifact[], inner: VerifiedInner): Refusal | undefined {
  const signed = artifacts.filter((a) => a.signature !== "");
  if (signed.length === 0) return undefined;
  const key = inner.verifierPem.includes("CERTIFICATE") ? new X509Certificate(inner.verifierPem).publicKey : createPublicKey(inner.verifierPem);
  for (const a of signed) {
    const read = readSignature(a.signature, `the signature of ${a.name}`);
    if (!("bytes" in read)) return read;
    if (!verifyPrehashed(key, Buffer.from(a.hash.slice(7), "hex"), read.bytes, "sha256").valid) {
      return refusal(
        "artifact_hash_mismatch",
        `the signature of ${a.name} does not cover its hash ${a.hash}: the file changed after it was signed, or the hash is wrong`,
      );
    }
  }
  return undefined;
}

export function createPermitUploadHandler(deps: PermitUploadDeps) {
  const { signing, log, state } = deps;

  /** The decision, before anything is logged. */
  async function decide(
    req: VerifyAndPermitUploadRequest,
    sig: CheckedUploadRequest["innerSignature"],
    scanId: string,
    tier: "basic" | "verified",
    artifacts: CheckedArtifact[],
    manifestDigest: string,
    ctx: HandlerContext,
  ): Promise<InnerOutcome> {
    if (artifacts.length === 0) return { ok: false, ...refusal("no_artifacts", "the upload request lists no artifacts: there is nothing to permit") };
    const seen = new Set<string>();
    for (const a of artifacts) {
      if (seen.has(a.name)) return { ok: false, ...refusal("duplicate_artifact", `the artifact name ${JSON.stringify(a.name)} is listed twice`) };
      seen.add(a.name);
    }
    const policy = policyForTier(deps.policies, tier);
    const input = {
      signer: sig.signer,
      signature: sig.signature,
      certificate: sig.certificate,
      ...(sig.bundle ? { bundle: toJson(BundleSchema, sig.bundle) } : {}),
    };
    // One budget for both verifications (over the manifest, then over the listed hash).
    const innerCtx = { log, judge: deps.judge, budget: requestBudget(deps.verifyBudgetMs, ctx) };
    const listed = artifacts.find((a) => a.name === MANIFEST_NAME);
    const inner = await verifyInnerSignature(input, manifestDigest, policy, innerCtx);
    if (!inner.ok) {
      if (listed && listed.hash !== manifestDigest && (inner.reason === "signature_invalid" || inner.reason === "inner_signature_not_logged")) {
        const overListed = await verifyInnerSignature(input, listed.hash, policy, innerCtx);
        if (overListed.ok || overListed.reason === "inner_signature_not_logged") {
          return {
            ok: false,
            ...refusal(
              "artifact_hash_mismatch",
              `the inner signature covers ${MANIFEST_NAME} ${listed.hash}, but the artifacts of this request make the upload manifest ${manifestDigest} for scan ${scanId}: an artifact's name, hash or size differs from what was signed`,
            ),
            ...(overListed.ok ? { signer: overListed.signer } : {}),
          };
        }
      }
      return inner;
    }
    if (listed && listed.hash !== manifestDigest) {
      return {
        ok: false,
        signer: inner.signer,
        ...refusal("artifact_hash_mismatch", `${MANIFEST_NAME} is listed with hash ${listed.hash}, but the signed upload manifest is ${manifestDigest}`),
      };
    }
    const files = checkFileSignatures(artifacts, inner);
    if (files) return { ok: false, signer: inner.signer, ...files };
    return inner;
  }

  /** Logs the inner signature if needed, then signs and logs the outer statement. */
  async function signOuter(
    id: string,
    scanId: string,
    tier: string,
    artifacts: CheckedArtifact[],
    manifestDigest: string,
    inner: VerifiedInner,
    req: VerifyAndPermitUploadRequest,
    caller: string,
    decidedAt: Date,
  ) {
    let innerEntry: EntryRef | undefined = inner.entry;
    if (innerEntry === undefined) {
      const body = hashedRekordBody(Buffer.from(manifestDigest.slice(7), "hex"), inner.signature, inner.verifierPem);
      const logged = await log.append({
        kind: body.kind,
        apiVersion: body.apiVersion,
        canonicalBody: body.canonical,
        artifactDigest: manifestDigest,
        signerSubject: inner.signer || undefined,
      });
      innerEntry = { uuid: logged.uuid, logIndex: logged.logIndex, integratedTime: logged.integratedTime };
    }
    const policy = policyForTier(deps.policies, tier as "verified");
    const m = req.metadata;
    const statement = uploadStatement(
      artifacts.map((a) => ({ name: a.name, digest: a.hash })),
      {
        scanId,
        tier,
        uploadPermissionId: id,
        permittedAt: decidedAt.toISOString(),
        requester: caller,
        policy: { name: policy.name, version: policy.version },
        manifestDigest,
        metadata: { gitUrl: m?.gitUrl ?? "", branch: m?.branch ?? "", commit: m?.commit ?? "", requestedBy: m?.requestedBy ?? "" },
        inner: {
          signer: inner.signer,
          ...(inner.issuer ? { issuer: inner.issuer } : {}),
          signature: inner.signature.toString("base64"),
          verifier: inner.verifierPem,
          mode: inner.mode,
          logEntryUuid: innerEntry.uuid,
        },
      },
    );
    const witnesses = signing.witnessesFor({ artifactDigest: manifestDigest, signerSubject: signing.signer.identity });
    const bundle = await signDsse(signing.signer, witnesses.all, statement);
    const logged = loggedEntryOf(witnesses);
    return { bundle, innerEntry, entry: logged };
  }

  return async function verifyAndPermitUpload(req: VerifyAndPermitUploadRequest, ctx: HandlerContext): Promise<VerifyAndPermitUploadResponse> {
    const { scanId, tier, artifacts, innerSignature } = checkUploadRequest(req);
    const caller = deps.callerOf(ctx);
    const id = randomUUID();
    const manifestDigest = artifacts.length > 0 ? uploadManifestDigest(scanId, artifacts) : "";
    const outcome = await decide(req, innerSignature, scanId, tier, artifacts, manifestDigest, ctx);
    const decidedAt = new Date();
    const claimedSigner = innerSignature.signer;
    const m = req.metadata;
    const metadata = { git_url: m?.gitUrl ?? "", branch: m?.branch ?? "", commit: m?.commit ?? "", requested_by: m?.requestedBy ?? "" };
    const response = create(VerifyAndPermitUploadResponseSchema, { uploadPermissionId: id, scanId, tier });
    let outer: StoredPermission["outer"];
    let inner: StoredPermission["inner"];
    if (!outcome.ok) {
      response.permitted = false;
      response.reason = outcome.reason;
      response.detail = outcome.detail;
      response.verificationProof = {
        $typeName: "certus.trust.v1.VerificationProof",
        chainVerified: false,
        innerSignatureValid: outcome.reason === "artifact_hash_mismatch" && outcome.signer !== undefined,
        outerSignatureValid: false,
        chainUnbroken: false,
        signerInner: outcome.signer ?? claimedSigner,
        signerOuter: "",
        sigstoreTimestamp: "",
        verificationTimestamp: decidedAt.toISOString(),
        rekorEntryUuid: "",
        cosignSignature: "",
      };
    } else {
      let outerSig: Awaited<ReturnType<typeof signOuter>> | undefined;
      if (tier === "verified") outerSig = await signOuter(id, scanId, tier, artifacts, manifestDigest, outcome, req, caller, decidedAt);
      const innerEntry = outerSig?.innerEntry ?? outcome.entry;
      inner = {
        signer: outcome.signer,
        ...(outcome.issuer ? { issuer: outcome.issuer } : {}),
        mode: outcome.mode,
        signature: outcome.signature.toString("base64"),
        verifierPem: outcome.verifierPem,
        ...(innerEntry ? { entry: innerEntry } : {}),
      };
      response.permitted = true;
      response.reason = "permitted";
      // The verified tier always has an outer signature (signOuter returns one or throws).
      response.detail = outerSig
        ? `inner signature by ${outcome.signer} verified over the upload manifest ${manifestDigest}; outer signature logged at index ${outerSig.entry.logIndex}`
        : `inner signature by ${outcome.signer} verified over the upload manifest ${manifestDigest}; basic tier: no outer signature`;
      if (outcome.warnings.length > 0) response.detail += `; policy warnings: ${outcome.warnings.join("; ")}`;
      const dsseSig = outerSig?.bundle.dsseEnvelope?.signatures[0]?.sig ?? "";
      response.verificationProof = {
        $typeName: "certus.trust.v1.VerificationProof",
        chainVerified: true,
        innerSignatureValid: true,
        outerSignatureValid: outerSig !== undefined,
        chainUnbroken: outerSig !== undefined || tier === "basic",
        signerInner: outcome.signer,
        signerOuter: outerSig ? signing.signer.identity : "",
        sigstoreTimestamp: outerSig ? new Date(outerSig.entry.integratedTime * 1000).toISOString() : "",
        verificationTimestamp: decidedAt.toISOString(),
        rekorEntryUuid: outerSig?.entry.uuid ?? "",
        cosignSignature: dsseSig,
      };
      const dest = req.storageDestinations;
      response.storageConfig = {
        $typeName: "certus.trust.v1.StorageConfig",
        ...storageConfigFor(deps.storage, scanId, metadata.git_url, metadata.commit, dest?.rawS3 ?? true, dest?.ociRegistry ?? true),
      };
      if (outerSig) {
        response.outerBundle = fromJson(BundleSchema, outerSig.bundle as unknown as JsonValue);
        outer = { signer: signing.signer.identity, bundle: outerSig.bundle, entry: outerSig.entry };
      }
    }
    const { outerBundle: _omit, ...stored } = toJson(VerifyAndPermitUploadResponseSchema, response, { alwaysEmitImplicit: true }) as Record<string, unknown>;
    const permission: StoredPermission = {
      id,
      scanId,
      tier,
      permitted: response.permitted,
      reason: response.reason,
      detail: response.detail,
      decidedAt: decidedAt.toISOString(),
      caller,
      manifestDigest,
      artifacts: artifacts.map((a) => ({ name: a.name, hash: a.hash, size: a.size, ...(a.signature ? { signature: a.signature } : {}) })),
      metadata,
      response: stored,
      ...(inner ? { inner } : {}),
      ...(outer ? { outer } : {}),
      callback: response.permitted && deps.transform ? "pending" : "off",
      callbackAttempts: 0,
    };
    await state.permissions.record(permission);
    await state.audit.append({
      caller,
      action: "permit-upload",
      artifact: manifestDigest ? { digest: manifestDigest, uri: `scan:${scanId}` } : { uri: `scan:${scanId}` },
      policy: policyForTier(deps.policies, tier).name,
      verdict: response.permitted ? "allowed" : "refused",
      reasons: response.permitted ? [] : [`${response.reason}: ${response.detail}`],
      ...(outer ? { logIndex: String(outer.entry.logIndex) } : {}),
      detail: {
        scan_id: scanId,
        upload_permission_id: id,
        tier,
        reason: response.reason,
        signer_inner: response.verificationProof.signerInner,
        ...(outer ? { signer_outer: outer.signer, outer_entry_uuid: outer.entry.uuid } : {}),
        ...(inner?.entry ? { inner_entry_uuid: inner.entry.uuid } : {}),
      },
    });
    if (permission.callback === "pending") deps.transform?.deliver(permission);
    return response;
  };
}
