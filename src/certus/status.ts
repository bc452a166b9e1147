/**
 * The Certus tooling calls: `GetStats` (`GET /v1/stats`), `GetProvenance`
 * (`GET /v1/provenance/{scan_id}`) and `GetReadiness` (`GET /v1/ready`). All read recorded
 * state (the audit trail, the permission store, the log) or probe components; none changes
 * anything.
 */
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  GetProvenanceResponseSchema,
  GetReadinessResponseSchema,
  GetStatsResponseSchema,
  VerificationProofSchema,
  type GetProvenanceRequest,
  type GetProvenanceResponse,
  type GetReadinessResponse,
  type GetStatsResponse,
} from "@certus/trust-sdk/gen/certus/trust/v1/certus_integration_pb";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { activityCounts, scanTrail } from "./activity.js";
import { probeComponents } from "./readiness-probes.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import type { CertusPorts } from "./ports.js";

export interface CertusStatusDeps extends CertusPorts {
  /** OIDC issuers to probe as `keycloak`. */
  oidcIssuers: readonly string[];
}

export function createStatsHandler(deps: CertusStatusDeps) {
  return async function getStats(): Promise<GetStatsResponse> {
    const counts = await activityCounts(deps.state.audit, deps.signing.signer.identity);
    const permissions = await deps.state.permissions.counts();
    const checkpoint = await deps.log.latestCheckpoint();
    return create(GetStatsResponseSchema, {
      totalSignatures: BigInt(counts.totalSignatures),
      totalTransparencyEntries: BigInt(checkpoint.treeSize),
      verificationStats: {
        total: BigInt(counts.verifications.total),
        successful: BigInt(counts.verifications.successful),
        failed: BigInt(counts.verifications.failed),
      },
      signers: counts.signers,
      timestamp: timestampFromMs(Date.now()),
      uploadPermissions: BigInt(permissions.total),
      uploadsPermitted: BigInt(permissions.permitted),
    });
  };
}

export function createProvenanceHandler(deps: CertusStatusDeps) {
  return async function getProvenance(req: GetProvenanceRequest): Promise<GetProvenanceResponse> {
    if (req.scanId === "" || req.scanId.length > 256) throw new InvalidArgumentError("scan_id", "is required (at most 256 characters)");
    const records = await deps.state.permissions.forScan(req.scanId);
    const newestFirst = [...records].reverse();
    const [latest] = newestFirst;
    if (latest === undefined) throw new NotFoundError(`no upload permission is recorded for scan ${JSON.stringify(req.scanId)}`);
    const chosen = newestFirst.find((p) => p.permitted) ?? latest;
    const withOuter = [...records].reverse().find((p) => p.permitted && p.outer);
    const status = withOuter ? "complete" : records.some((p) => p.permitted) ? "partial" : "broken";
    const proofOf = (p: (typeof records)[number]) => {
      const proof = p.response["verification_proof"];
      return proof ? fromJson(VerificationProofSchema, proof as JsonValue) : undefined;
    };
    return create(GetProvenanceResponseSchema, {
      scanId: req.scanId,
      manifest: {
        digest: chosen.manifestDigest,
        signedBy: chosen.inner?.signer ?? "",
        signedAt: "",
        signature: chosen.inner?.signature ?? "",
        logEntryUuid: chosen.inner?.entry?.uuid ?? "",
      },
      permissions: records.map((p) => {
        const proof = proofOf(p);
        return {
          uploadPermissionId: p.id,
          tier: p.tier,
          permitted: p.permitted,
          reason: p.reason,
          detail: p.detail,
          decidedAt: timestampFromMs(Date.parse(p.decidedAt)),
          ...(proof ? { verificationProof: proof } : {}),
          artifacts: p.artifacts.map((a) => ({ name: a.name, hash: a.hash, size: BigInt(a.size), signature: a.signature ?? "" })),
          transformCallback: p.callback,
        };
      }),
      ...(withOuter?.outer
        ? {
            outerSignature: {
              signer: withOuter.outer.signer,
              logEntryUuid: withOuter.outer.entry.uuid,
              logIndex: BigInt(withOuter.outer.entry.logIndex),
              integratedTime: timestampFromMs(withOuter.outer.entry.integratedTime * 1000),
              bundle: fromJson(BundleSchema, withOuter.outer.bundle as unknown as JsonValue),
            },
          }
        : {}),
      verificationTrail: (await scanTrail(deps.state.audit, req.scanId)).map((e) => ({
        timestamp: timestampFromMs(Date.parse(e.time)),
        verifier: e.caller,
        action: e.action,
        result: e.verdict,
        details: (e.reasons ?? []).join("; "),
        auditSeq: BigInt(e.seq),
      })),
      chainStatus: status,
      trustLevel: status === "complete" ? "high" : status === "partial" ? "medium" : "untrusted",
    });
  };
}

export function createReadinessHandler(deps: CertusStatusDeps) {
  return async function getReadiness(): Promise<GetReadinessResponse> {
    const components = await probeComponents(deps.signing.signer, deps.log, deps.oidcIssuers);
    const configured = components.filter((c) => c.status !== "not_configured");
    return create(GetReadinessResponseSchema, {
      ready: configured.every((c) => c.status === "ok"),
      checks: Object.fromEntries(configured.map((c) => [c.name, c.status === "ok"])),
      timestamp: timestampFromMs(Date.now()),
      components: components.map((c) => ({ name: c.name, status: c.status, detail: c.detail })),
    });
  };
}
