/**
 * `Sign`: the service signs an artifact with its own identity, after checking any inner
 * signatures against the signer policy. DSSE (the default) signs an in-toto statement about the
 * artifact whose predicate records the inner signers and the policy; a message signature signs the
 * digest itself. The answer is sent only after the log entry (see
 * sigstore/embedded/tlog/log.ts) and the audit event are durable. A policy refusal in `enforce`
 * mode signs nothing and logs nothing, and is audited. With a caller `statement` the service signs
 * the caller's predicate about the artifact instead (attestation.ts), when the policy lets this
 * caller have that predicate type signed.
 */
import { create, toJson } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import { SignResponseSchema, SignatureFormat, type SignRequest, type SignResponse } from "@certus/trust-sdk";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { InvalidArgumentError, NotFoundError, PolicyRefusedError, TrustError, UnavailableError } from "../errors.js";
import type { CallerOf } from "../rpc/caller.js";
import type { AuditTrail } from "../state/state-store.js";
import { evaluateInnerSigners, innerSignerRules } from "../policy/evaluate.js";
import type { VerificationResult } from "../sigstore/verify/index.js";
import type { VerifyPool } from "../verify-pool/pool.js";
import { ruleTask, verdictOf } from "../verify-pool/rule-task.js";
import { DEFAULT_VERIFY_BUDGET_MS } from "./verify.js";
import type { Policy } from "../policy/model.js";
import type { PolicyStore } from "../policy/store.js";
import type { SigningBackend } from "../sigstore/signing-backend.js";
import { signDigestBundle, signDsseBundle } from "../sigstore/signing-pipeline.js";
import { bundleMessage } from "./bundle-message.js";
import type { TrustedRootHandle } from "../sigstore/verify/index.js";
import { decideAttestation } from "../policy/attestation-rules.js";
import { callerStatement, checkCallerStatement, type CheckedCallerStatement } from "./attestation.js";
import { OUTER_SIGNATURE_PREDICATE_TYPE, outerStatement, type RecordedInnerSigner } from "../rpc/statement.js";
import { resolveArtifact } from "../rpc/validate.js";

/** Most inner bundles accepted in one Sign. */
export const MAX_INNER_BUNDLES = 64;

export interface SignDeps {
  /** Where the signature, its certificate, log entry and timestamp come from (embedded or external). */
  backend: SigningBackend;
  policies: PolicyStore;
  serviceRoot: TrustedRootHandle;
  audit: AuditTrail;
  callerOf: CallerOf;
  /** Worker threads that judge inner bundles; without it they are judged in this thread. */
  pool?: VerifyPool;
  /** Time budget of one request's inner-bundle verifications, ms (default: Verify's). */
  budgetMs?: number;
}

function policyOf(policies: PolicyStore, name: string): Policy {
  try {
    return policies.get(name);
  } catch (err) {
    if (err instanceof NotFoundError) throw new InvalidArgumentError("policy", err.message);
    throw err;
  }
}

export function createSignHandler(deps: SignDeps) {
  const { backend } = deps;
  return async function sign(req: SignRequest, ctx: HandlerContext): Promise<SignResponse> {
    const artifact = resolveArtifact("artifact", req.artifact);
    const format = req.format === SignatureFormat.UNSPECIFIED ? SignatureFormat.DSSE : req.format;
    // An open enum: the wire may carry any number, not only the values the type lists.
    if (![SignatureFormat.DSSE, SignatureFormat.MESSAGE_SIGNATURE].includes(format)) {
      throw new InvalidArgumentError("format", `${req.format} is not a signature format; use SIGNATURE_FORMAT_DSSE or SIGNATURE_FORMAT_MESSAGE_SIGNATURE`);
    }
    let attestation: CheckedCallerStatement | undefined;
    if (req.statement) {
      if (format !== SignatureFormat.DSSE)
        throw new InvalidArgumentError("format", "a caller statement is signed as DSSE; leave format unset or use SIGNATURE_FORMAT_DSSE");
      attestation = checkCallerStatement(req.statement);
    }
    if (req.innerBundles.length > MAX_INNER_BUNDLES)
      throw new InvalidArgumentError("innerBundles", `${req.innerBundles.length} bundles; at most ${MAX_INNER_BUNDLES}`);
    const policy = policyOf(deps.policies, req.policy);
    const caller = deps.callerOf(ctx);
    const signer = { subject: backend.signer.identity, issuer: backend.signer.issuer };
    const auditBase = {
      caller,
      action: "sign" as const,
      artifact: { digest: artifact.digestString, ...(artifact.uri ? { uri: artifact.uri } : {}) },
      policy: policy.name,
      ...(attestation ? { detail: { predicateType: attestation.predicateType } } : {}),
    };
    if (policy.outerIdentity && policy.outerIdentity !== signer.subject) {
      throw new TrustError("FAILED_PRECONDITION", `policy "${policy.name}" signs as ${policy.outerIdentity}, but this service's identity is ${signer.subject}`);
    }

    let innerSigners: RecordedInnerSigner[] = [];
    const warnings: string[] = [];
    if (attestation) {
      const decision = decideAttestation(policy.name, policy.attestations ?? [], caller, attestation.predicateType);
      if (!decision.allowed) {
        if (policy.mode === "enforce") {
          await deps.audit.append({ ...auditBase, verdict: "refused", reasons: [decision.reason] });
          throw new PolicyRefusedError(decision.reason, [decision.reason]);
        }
        warnings.push(decision.reason);
      }
    }
    if (req.innerBundles.length > 0 || policy.innerSigners.length > 0) {
      const bundles = req.innerBundles.map((b) => toJson(BundleSchema, b));
      // On the worker pool when there is one: up to 64 bundles × the policy's rules.
      let judged: ((b: number, r: number) => VerificationResult) | undefined;
      if (deps.pool) {
        const rules = innerSignerRules(policy);
        const replies = await deps.pool.run(
          bundles.flatMap((b) => rules.map((rule) => ruleTask(b, artifact.digestString, rule))),
          Math.min(deps.budgetMs ?? DEFAULT_VERIFY_BUDGET_MS, ctx.timeoutMs() ?? Number.POSITIVE_INFINITY),
        );
        const results = replies.map(verdictOf);
        judged = (b, r) => {
          const verdict = results[b * rules.length + r];
          if (verdict === undefined) throw new Error(`the verify pool returned no verdict for bundle ${b} under rule ${r}`);
          return verdict;
        };
      }
      const decision = evaluateInnerSigners(policy, bundles, artifact.digestString, { service: deps.serviceRoot }, judged);
      innerSigners = decision.inner
        .filter((v) => v.verified)
        .map((v) => ({ subject: v.signer?.subject ?? "", issuer: v.signer?.issuer ?? "", logIndex: v.logIndex ?? "", bundleDigest: v.bundleDigest }));
      if (!decision.allowed) {
        if (policy.mode === "enforce") {
          await deps.audit.append({ ...auditBase, verdict: "refused", reasons: decision.reasons });
          throw new PolicyRefusedError(`policy "${policy.name}" is not met: ${decision.reasons.join("; ")}`, decision.reasons);
        }
        warnings.push(...decision.reasons);
      }
    }

    const witnesses = backend.witnessesFor({ artifactDigest: artifact.digestString, signerSubject: signer.subject });
    const bundle = attestation
      ? await signDsseBundle(
          backend.signer,
          witnesses.all,
          callerStatement({ uri: artifact.uri, digestHex: artifact.digest.toString("hex"), statement: attestation }),
        )
      : format === SignatureFormat.DSSE
        ? await signDsseBundle(
            backend.signer,
            witnesses.all,
            outerStatement({
              uri: artifact.uri,
              digestHex: artifact.digest.toString("hex"),
              requester: caller,
              signedAt: new Date(),
              signer,
              policy: { name: policy.name, version: policy.version, mode: policy.mode },
              innerSigners,
            }),
          )
        : await signDigestBundle(backend.signer, witnesses.all, artifact.digest);
    // No bundle leaves without its log entry (the witnesses resolve only once the log answered).
    const logged = witnesses.entry();
    if (logged === undefined) throw new UnavailableError("transparency log", "the signature was not logged; nothing was returned");
    await deps.audit.append({ ...auditBase, verdict: "allowed", reasons: warnings, logIndex: String(logged.logIndex) });
    return create(SignResponseSchema, {
      bundle: bundleMessage(bundle),
      entry: {
        logIndex: BigInt(logged.logIndex),
        uuid: logged.uuid ?? "",
        ...(logged.integratedTime > 0 ? { integratedTime: timestampFromMs(logged.integratedTime * 1000) } : {}),
      },
      signer,
      innerSigners: innerSigners.map((s) => ({ subject: s.subject, issuer: s.issuer, logIndex: BigInt(s.logIndex || "0"), bundleDigest: s.bundleDigest })),
      warnings,
      predicateType: attestation ? attestation.predicateType : format === SignatureFormat.DSSE ? OUTER_SIGNATURE_PREDICATE_TYPE : "",
    });
  };
}
