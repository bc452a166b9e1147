/**
 * `VerifyChain` (`POST /v1/verify-chain`): Transform and Ask check a scan's chain before they
 * promote or ingest it. Each flag is computed, never assumed:
 *
 * - outer: the bundle given (or the one recorded with the permission whose log entry UUID is
 *   given) verifies against this service's trusted root as the service's identity, with its log
 *   entry, and is an upload-permission statement;
 * - inner: the signature given (or the one the outer statement records) verifies over the upload
 *   manifest the outer statement names (or over a location's digest, when there is no outer),
 *   satisfies the tier's policy and is in the log;
 * - chain unbroken: the outer statement records exactly this inner signature over that manifest;
 * - locations: every digest given is one the verified signatures cover (see
 *   `certus/location-check.ts`; objects are never fetched).
 *
 * Every verdict is audited as `verify-chain` with the scan id, so provenance lists it.
 */
import { create, toJson } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import {
  VerifyChainResponseSchema,
  type InnerSignature,
  type VerifyChainRequest,
  type VerifyChainResponse,
} from "@certus/trust-sdk/gen/certus/trust/v1/certus_integration_pb";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { verifyInnerSignature, type InnerSignatureInput, type RejectedInner, type VerifiedInner } from "./inner-signature.js";
import { checkLocations, type LocationInput } from "./location-check.js";
import { policyForTier } from "./tier-policy.js";
import { parseUploadStatement, type ParsedUploadStatement } from "./upload-statement.js";
import { InvalidArgumentError } from "../errors.js";
import type { PolicyStore } from "../policy/store.js";
import type { VerificationResult } from "../sigstore/verify/index.js";
import type { CallerOf } from "../rpc/caller.js";
import type { CertusPorts } from "./ports.js";
import { requestBudget, type BundleJudge, type WorkBudget } from "./bundle-judge.js";

/** Most locations in one request. */
export const MAX_LOCATIONS = 1000;

export interface VerifyChainDeps extends CertusPorts {
  policies: PolicyStore;
  callerOf: CallerOf;
  /** Judges the outer and inner bundles (on the verification pool when there is one). */
  judge: BundleJudge;
  /** Time budget of one request's verifications, ms. */
  verifyBudgetMs: number;
}

interface OuterVerdict {
  valid: boolean;
  statement?: ParsedUploadStatement;
  result?: VerificationResult;
  permissionId?: string;
  uuid?: string;
}

function innerInputOf(sig: InnerSignature): InnerSignatureInput {
  return {
    signer: sig.signer,
    signature: sig.signature,
    certificate: sig.certificate,
    ...(sig.bundle ? { bundle: toJson(BundleSchema, sig.bundle) } : {}),
  };
}

export function createVerifyChainHandler(deps: VerifyChainDeps) {
  const { signing, log, state } = deps;

  async function verifyOuter(req: VerifyChainRequest, budget: WorkBudget, reasons: string[]): Promise<OuterVerdict> {
    const given = req.signatures?.outer;
    const uuid = given?.rekorEntryUuid || req.sigstoreEntryId;
    let bundle: unknown;
    let permissionId: string | undefined;
    if (given?.bundle) {
      bundle = toJson(BundleSchema, given.bundle);
    } else if (uuid) {
      const permission = await state.permissions.byOuterEntry(uuid);
      if (!permission?.outer) {
        reasons.push(`outer: no outer signature is recorded with log entry ${uuid.slice(0, 80)}`);
        return { valid: false };
      }
      bundle = permission.outer.bundle;
      permissionId = permission.id;
    } else {
      reasons.push("outer: no outer signature given (signatures.outer.bundle, signatures.outer.rekor_entry_uuid or sigstore_entry_id)");
      return { valid: false };
    }
    const envelope = (bundle as { dsseEnvelope?: { payload?: unknown; signatures?: Array<{ sig?: unknown }> } }).dsseEnvelope;
    const statement = typeof envelope?.payload === "string" ? parseUploadStatement(Buffer.from(envelope.payload, "base64")) : undefined;
    const firstSubject = statement?.subjects[0];
    if (!statement || firstSubject === undefined) {
      reasons.push("outer: the bundle is not a DSSE upload-permission statement of this service");
      return { valid: false };
    }
    const [result] = await deps.judge(
      [{ bundle, digest: firstSubject.digest, rule: { subject: signing.signer.identity, issuer: signing.signer.issuer, trustRoot: { kind: "service" } } }],
      budget,
    );
    if (result === undefined) throw new Error("the bundle judge returned no verdict for the outer bundle");
    const out: OuterVerdict = {
      valid: result.verified,
      statement,
      result,
      ...(permissionId ? { permissionId } : {}),
      ...(result.entry?.uuid ? { uuid: result.entry.uuid } : {}),
    };
    if (!result.verified) reasons.push(`outer: ${result.failures.map((f) => `${f.code}: ${f.message}`).join("; ")}`);
    if (given?.cosignSignature) {
      const sig = envelope?.signatures?.[0]?.sig;
      if (typeof sig !== "string" || !Buffer.from(sig, "base64").equals(Buffer.from(given.cosignSignature, "base64"))) {
        reasons.push("outer: cosign_signature is not the signature of the outer bundle");
        out.valid = false;
      }
    }
    if (uuid && result.entry?.uuid && result.entry.uuid !== uuid.slice(-64).toLowerCase()) {
      reasons.push(`outer: the bundle's log entry is ${result.entry.uuid}, not ${uuid.slice(0, 80)}`);
      out.valid = false;
    }
    return out;
  }

  async function verifyInner(
    req: VerifyChainRequest,
    outer: OuterVerdict,
    locations: LocationInput[],
    budget: WorkBudget,
    reasons: string[],
  ): Promise<VerifiedInner | undefined> {
    const predicate = outer.valid ? outer.statement?.predicate : undefined;
    let input: InnerSignatureInput;
    if (req.signatures?.inner) input = innerInputOf(req.signatures.inner);
    else if (predicate) {
      const recorded = predicate.inner;
      input = { signer: recorded.signer, signature: recorded.signature, certificate: recorded.verifier.includes("CERTIFICATE") ? recorded.verifier : "" };
    } else {
      reasons.push("inner: no inner signature given, and no verified outer signature records one");
      return undefined;
    }
    const tier = predicate?.tier === "basic" ? "basic" : "verified";
    const policy = policyForTier(deps.policies, tier);
    const candidates = [
      ...new Set([...(predicate ? [predicate.manifestDigest] : []), ...locations.map((l) => l.digest).filter((d) => /^sha256:[0-9a-f]{64}$/.test(d))]),
    ];
    if (candidates.length === 0) {
      reasons.push("inner: there is no digest to verify it over (no verified outer signature and no location digest)");
      return undefined;
    }
    const ctx = { log, judge: deps.judge, budget };
    let first: RejectedInner | undefined;
    for (const digest of candidates) {
      const outcome = await verifyInnerSignature(input, digest, policy, ctx);
      if (outcome.ok) {
        if (outcome.entry === undefined) {
          reasons.push(`inner: the signature verifies over ${digest} but is not in the transparency log`);
          return undefined;
        }
        return outcome;
      }
      first ??= outcome;
    }
    // Every candidate was tried (there is at least one) and each refusal kept the first.
    if (first !== undefined) reasons.push(`inner: ${first.reason}: ${first.detail}`);
    return undefined;
  }

  return async function verifyChain(req: VerifyChainRequest, ctx: HandlerContext): Promise<VerifyChainResponse> {
    const entries = Object.entries(req.artifactLocations);
    if (entries.length > MAX_LOCATIONS) throw new InvalidArgumentError("artifact_locations", `${entries.length} locations; at most ${MAX_LOCATIONS}`);
    const locations: LocationInput[] = entries.map(([name, l]) => ({ name, uri: l.uri, digest: l.digest }));
    const reasons: string[] = [];
    // One budget for every verification of this request (outer, then inner over each candidate digest).
    const budget = requestBudget(deps.verifyBudgetMs, ctx);
    const outer = await verifyOuter(req, budget, reasons);
    const inner = await verifyInner(req, outer, locations, budget, reasons);
    const predicate = outer.valid ? outer.statement?.predicate : undefined;

    let chainUnbroken = false;
    if (predicate && inner) {
      const coversSignature = Buffer.from(predicate.inner.signature, "base64").equals(inner.signature);
      const coversManifest = predicate.manifestDigest === inner.digest;
      if (!coversSignature) reasons.push(`chain: the outer signature (scan ${predicate.scanId}) records another inner signature, not this one`);
      if (!coversManifest)
        reasons.push(
          `chain: the outer signature covers the upload manifest ${predicate.manifestDigest} (scan ${predicate.scanId}), but the inner signature is over ${inner.digest}`,
        );
      chainUnbroken = coversSignature && coversManifest;
    } else {
      reasons.push("chain: an unbroken chain needs a valid inner and a valid outer signature");
    }
    const loc = checkLocations(locations, outer.valid ? (outer.statement?.subjects ?? []) : [], inner?.digest);
    reasons.push(...loc.reasons);
    const chainVerified = inner !== undefined && outer.valid && chainUnbroken && loc.digestsMatch;

    const sources = new Set(outer.valid ? (outer.result?.timestamps ?? []).map((t) => t.source) : []);
    const integrated = outer.valid ? outer.result?.entry?.integratedTime : undefined;
    const scanId = predicate?.scanId ?? "";
    const response = create(VerifyChainResponseSchema, {
      chainVerified,
      innerSignatureValid: inner !== undefined,
      outerSignatureValid: outer.valid,
      chainUnbroken,
      signerInner: inner?.signer ?? req.signatures?.inner?.signer ?? "",
      signerOuter: outer.result?.signer?.subject ?? "",
      ...(integrated ? { sigstoreTimestamp: timestampFromMs(Date.parse(integrated)) } : {}),
      artifactLocations: { s3Valid: loc.s3Valid, registryValid: loc.registryValid, digestsMatch: loc.digestsMatch, contentIdentical: loc.contentIdentical },
      nonRepudiation: {
        assuranceAccountable: inner !== undefined,
        trustVerified: outer.valid,
        timestampAuthority: sources.has("RFC3161") ? "rfc3161" : sources.has("TLOG") ? "tlog" : "",
        provenanceChain: chainVerified ? "complete" : inner !== undefined && !req.signatures?.outer && !req.sigstoreEntryId ? "partial" : "broken",
      },
      reasons: chainVerified ? [] : reasons,
      scanId,
    });
    const permissionId = outer.permissionId ?? (outer.uuid ? (await state.permissions.byOuterEntry(outer.uuid))?.id : undefined);
    await state.audit.append({
      caller: deps.callerOf(ctx),
      action: "verify-chain",
      ...(inner ? { artifact: { digest: inner.digest, ...(scanId ? { uri: `scan:${scanId}` } : {}) } } : {}),
      verdict: chainVerified ? "verified" : "rejected",
      reasons: response.reasons,
      ...(outer.result?.entry ? { logIndex: outer.result.entry.logIndex } : {}),
      detail: {
        ...(scanId ? { scan_id: scanId } : {}),
        ...(permissionId ? { upload_permission_id: permissionId } : {}),
        ...(outer.uuid ? { outer_entry_uuid: outer.uuid } : {}),
        ...(inner ? { signer_inner: inner.signer } : {}),
        chain_verified: String(chainVerified),
      },
    });
    return response;
  };
}
