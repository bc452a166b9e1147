/**
 * `Verify`: one or more Sigstore bundles over an artifact (its bytes or its digest alone) against
 * an expected signer or a named policy, with the service's trusted root, the public-good one, or
 * one sent in the request. A well-formed request always succeeds; the verdict is in the body.
 *
 * Every bundle is judged on the verification worker pool when there is one (never in this thread:
 * one request could otherwise freeze the server), within the request's work budget: at most
 * {@link MAX_BUNDLES_PER_REQUEST} verifications (bundles × a policy's rules) and `budgetMs` of
 * time (or the call's deadline, if sooner), past which it fails with `deadline_exceeded`. Without
 * a pool (`--verify-workers 0`, or sources run unbuilt) bundles are judged in this thread.
 */
import { create, toBinary, toJson } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import {
  VerifyRequestSchema,
  VerifyResponseSchema,
  VerifyResultSchema,
  type ExpectedSigner,
  type VerifyRequest,
  type VerifyResponse,
  type VerifyResult,
} from "@certus/trust-sdk";
import { BundleSchema, type Bundle } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import { InvalidArgumentError } from "../errors.js";
import type { AuditTrail } from "../state/state-store.js";
import { verifyUnderRule } from "../policy/evaluate.js";
import { ruleTask } from "../verify-pool/rule-task.js";
import { binaryBundle, judgeTask } from "../verify-pool/judge.js";
import type { PolicyStore } from "../policy/store.js";
import {
  ARTIFACT_DIGEST_ALGORITHMS,
  type ExpectedSigner as EngineExpectedSigner,
  type TrustedRootHandle,
  type VerificationResult,
} from "../sigstore/verify/index.js";
import type { VerifyPool } from "../verify-pool/pool.js";
import type { RootRef, VerifyReply } from "../verify-pool/protocol.js";
import type { CallerOf } from "../rpc/caller.js";
import { resolveArtifact } from "../rpc/validate.js";
import { lengthDelimitedFields, REQUEST_BYTES } from "../rpc/request-bytes.js";
import { predicateTypeFailure, statementOf, type StatementSummary } from "./statement-summary.js";

/** Most bundles judged in one request; also the most verifications (bundles × a policy's rules). */
export const MAX_BUNDLES_PER_REQUEST = 1000;
/** Default time budget of one request's verifications, ms. */
export const DEFAULT_VERIFY_BUDGET_MS = 10_000;
/** Field numbers of `VerifyRequest.bundle` and `VerifyRequest.bundles`. */
const BUNDLE_FIELD = VerifyRequestSchema.field.bundle.number;
const BUNDLES_FIELD = VerifyRequestSchema.field.bundles.number;

export interface VerifyDeps {
  serviceRoot: TrustedRootHandle;
  policies: PolicyStore;
  audit?: AuditTrail;
  callerOf: CallerOf;
  /** Worker threads for verification; without it bundles are judged in this thread. */
  pool?: VerifyPool;
  /** Time budget of one request's verifications, ms (default {@link DEFAULT_VERIFY_BUDGET_MS}). */
  budgetMs?: number;
}

/** The trusted root of a request, as a worker names it. */
interface RequestRoot {
  readonly ref: RootRef;
}

/**
 * Adds the statement check to an engine verdict: the statement's summary, and a
 * PREDICATE_TYPE_MISMATCH failure when `expectedSigner.predicateType` is not its type.
 */
function withStatement(r: VerificationResult, bundle: Bundle, requiredType: string): { result: VerificationResult; statement: StatementSummary | undefined } {
  const statement = bundle.content.case === "dsseEnvelope" ? statementOf(bundle.content.value) : undefined;
  const mismatch = predicateTypeFailure(requiredType, statement);
  return { result: mismatch ? { ...r, verified: false, failures: [...r.failures, mismatch] } : r, statement };
}

function toResult(r: VerificationResult, statement?: StatementSummary): VerifyResult {
  return create(VerifyResultSchema, {
    ...(statement ? { statement: { predicateType: statement.predicateType, subjects: statement.subjects } } : {}),
    verified: r.verified,
    failures: r.failures.map((f) => ({ code: f.code, message: f.message })),
    ...(r.signer ? { signer: { subject: r.signer.subject, issuer: r.signer.issuer ?? "" } } : {}),
    ...(r.entry
      ? {
          entry: {
            logIndex: BigInt(r.entry.logIndex),
            uuid: r.entry.uuid ?? "",
            ...(r.entry.integratedTime ? { integratedTime: timestampFromMs(Date.parse(r.entry.integratedTime)) } : {}),
            rekorVersion: r.entry.rekorVersion,
            shard: r.entry.shard ?? "",
            shardLogIndex: r.entry.shardLogIndex !== undefined ? BigInt(r.entry.shardLogIndex) : 0n,
          },
        }
      : {}),
    timestamps: r.timestamps.map((t) => ({ source: t.source, time: timestampFromMs(Date.parse(t.time)) })),
  });
}

/** Re-labels the engine's argument errors with the request's field names. */
/** The i-th item of a list built to that length; throws when it is missing. */
function itemAt<T>(list: readonly T[], i: number, what: string): T {
  const item = list[i];
  if (item === undefined) throw new Error(`${what} ${i} is missing`);
  return item;
}

function asRequestError(err: unknown): never {
  if (err instanceof InvalidArgumentError && err.field.startsWith("expected")) {
    throw new InvalidArgumentError(err.field.replace(/^expected/, "expectedSigner"), err.message.slice(err.field.length + 2));
  }
  throw err;
}

export function createVerifyHandler(deps: VerifyDeps) {
  /**
   * The trusted root to verify against: one the workers hold, or the raw JSON of a root sent in the request
   * (the engine validates and caches it; an invalid one is a TRUST_ROOT_INVALID verdict).
   */
  function trustRootOf(req: VerifyRequest): RequestRoot {
    if (req.trustedRoot) {
      const json = toJson(TrustedRootSchema, req.trustedRoot);
      return { ref: { kind: "json", json } };
    }
    switch (req.trustRoot) {
      case "":
      case "service":
        return { ref: { kind: "service" } };
      case "public-good":
        return { ref: { kind: "public-good" } };
      default:
        throw new InvalidArgumentError("trustRoot", `"${req.trustRoot}" is not a trust root; use service (the default), public-good, or send trustedRoot`);
    }
  }

  function engineExpectation(expected: ExpectedSigner): EngineExpectedSigner {
    return {
      ...(expected.subject ? { subject: expected.subject } : {}),
      ...(expected.subjectRegexp ? { subjectRegexp: expected.subjectRegexp } : {}),
      ...(expected.issuer ? { issuer: expected.issuer } : {}),
      ...(expected.publicKey ? { publicKey: expected.publicKey } : {}),
    };
  }

  function fromReply(reply: VerifyReply): VerificationResult {
    if ("result" in reply) return reply.result;
    if ("invalidArgument" in reply) return asRequestError(new InvalidArgumentError(reply.invalidArgument.field, reply.invalidArgument.message));
    throw new Error(`verification worker: ${reply.internal}`);
  }

  /**
   * Bundles as a worker receives them: their binary form (the worker decodes it, not this thread),
   * copied from the request's own bytes when the server has them (`wire`), else encoded again.
   */
  function taskBundles(bundles: readonly Bundle[], wire: readonly Uint8Array[] | undefined) {
    return bundles.map((b, i) => binaryBundle(wire?.[i]?.slice() ?? toBinary(BundleSchema, b)));
  }

  /**
   * The bytes of the request's `bundle` then `bundles` (fields 2 and 3), when the request's bytes
   * are known and each bundle came as one occurrence of its field (a repeated occurrence of
   * `bundle` would be merged by the decoder: then every bundle is encoded again).
   */
  function wireBundles(req: VerifyRequest, ctx: HandlerContext): Uint8Array[] | undefined {
    const bytes = ctx.values.get(REQUEST_BYTES);
    if (bytes === undefined) return undefined;
    const fields = lengthDelimitedFields(bytes, [BUNDLE_FIELD, BUNDLES_FIELD]);
    const single = fields?.get(BUNDLE_FIELD) ?? [];
    const repeated = fields?.get(BUNDLES_FIELD) ?? [];
    if (fields === undefined || single.length !== (req.bundle ? 1 : 0) || repeated.length !== req.bundles.length) return undefined;
    return [...single, ...repeated];
  }

  function judge(
    bundle: Bundle,
    artifact: { digest: string } | { content: Uint8Array },
    digest: string,
    expected: ExpectedSigner,
    root: RequestRoot,
  ): VerificationResult {
    if (expected.policy !== "") {
      const bundleJson = toJson(BundleSchema, bundle);
      const policy = deps.policies.get(expected.policy);
      const [firstRule, ...otherRules] = policy.innerSigners;
      if (firstRule === undefined) {
        throw new InvalidArgumentError("expectedSigner.policy", `policy "${policy.name}" names no signers to verify against`);
      }
      const under = (rule: typeof firstRule) => verifyUnderRule(bundleJson, "content" in artifact ? artifact : digest, rule, { service: deps.serviceRoot });
      const first = under(firstRule);
      if (first.verified) return first;
      for (const rule of otherRules) {
        const r = under(rule);
        if (r.verified) return r;
      }
      return first;
    }
    // The function a worker runs, on this thread.
    const [task] = taskBundles([bundle], undefined);
    if (task === undefined) throw new Error("no task bundle");
    return fromReply(judgeTask({ id: 0, bundle: task, artifact, root: root.ref, expected: engineExpectation(expected) }, deps.serviceRoot));
  }

  /** Every bundle's verdict, on the pool when there is one. */
  async function judgeAll(
    bundles: Bundle[],
    artifact: { digest: string } | { content: Uint8Array },
    digest: string,
    expected: ExpectedSigner,
    root: RequestRoot,
    ctx: HandlerContext,
    wire: readonly Uint8Array[] | undefined,
  ): Promise<VerificationResult[]> {
    const pool = deps.pool;
    if (!pool) return bundles.map((b) => judge(b, artifact, digest, expected, root));
    const budgetMs = Math.min(deps.budgetMs ?? DEFAULT_VERIFY_BUDGET_MS, ctx.timeoutMs() ?? Number.POSITIVE_INFINITY);
    if (expected.policy === "") {
      const expectation = engineExpectation(expected);
      const replies = await pool.run(
        taskBundles(bundles, wire).map((bundle) => ({ bundle, artifact, root: root.ref, expected: expectation })),
        budgetMs,
      );
      return replies.map(fromReply);
    }
    // A policy: each bundle under each rule; a bundle's verdict is its first rule that verifies.
    const policy = deps.policies.get(expected.policy);
    const rules = policy.innerSigners;
    if (rules.length === 0) throw new InvalidArgumentError("expectedSigner.policy", `policy "${policy.name}" names no signers to verify against`);
    if (bundles.length * rules.length > MAX_BUNDLES_PER_REQUEST) {
      throw new InvalidArgumentError(
        "bundles",
        `${bundles.length} bundles × ${rules.length} rules of policy "${policy.name}" is more than ${MAX_BUNDLES_PER_REQUEST} verifications per request`,
      );
    }
    const tasks = bundles.flatMap((b) => {
      const bundle = toJson(BundleSchema, b);
      return rules.map((rule) => ruleTask(bundle, digest, rule));
    });
    const results = (await pool.run(tasks, budgetMs)).map(fromReply);
    return bundles.map((_, i) => {
      const mine = results.slice(i * rules.length, (i + 1) * rules.length);
      return mine.find((r) => r.verified) ?? itemAt(mine, 0, `the verify pool's verdicts for bundle ${i}: verdict`);
    });
  }

  return async function verify(req: VerifyRequest, ctx: HandlerContext): Promise<VerifyResponse> {
    const art = resolveArtifact("artifact", req.artifact, { algorithms: ARTIFACT_DIGEST_ALGORITHMS });
    const bundles = req.bundle ? [req.bundle, ...req.bundles] : req.bundles;
    if (bundles.length === 0) throw new InvalidArgumentError("bundle", "is required: send bundle, or bundles for several");
    if (bundles.length > MAX_BUNDLES_PER_REQUEST)
      throw new InvalidArgumentError("bundles", `${bundles.length} bundles; at most ${MAX_BUNDLES_PER_REQUEST} per request`);
    const expected = req.expectedSigner;
    if (!expected || (!expected.subject && !expected.subjectRegexp && !expected.publicKey && !expected.policy)) {
      throw new InvalidArgumentError("expectedSigner", "is required: give subject or subjectRegexp (with issuer), publicKey, or policy");
    }
    const root = trustRootOf(req);
    const artifact = art.content ? { content: art.content } : { digest: art.digestString };
    const wire = deps.pool && expected.policy === "" ? wireBundles(req, ctx) : undefined;
    const judged = (await judgeAll(bundles, artifact, art.digestString, expected, root, ctx, wire)).map((r, i) =>
      withStatement(r, itemAt(bundles, i, "bundle"), expected.predicateType),
    );
    const results = judged.map((j) => j.result);
    const response = create(VerifyResponseSchema, {});
    if (req.bundle) {
      const judgedFirst = itemAt(judged, 0, "verdict");
      const first = toResult(judgedFirst.result, judgedFirst.statement);
      if (first.statement) response.statement = first.statement;
      response.verified = first.verified;
      response.failures = first.failures;
      if (first.signer) response.signer = first.signer;
      if (first.entry) response.entry = first.entry;
      response.timestamps = first.timestamps;
    }
    if (req.bundles.length > 0) {
      response.results = judged.slice(req.bundle ? 1 : 0).map((j) => toResult(j.result, j.statement));
      if (!req.bundle) response.verified = response.results.every((r) => r.verified);
    }
    if (deps.audit) {
      const caller = deps.callerOf(ctx);
      for (const r of results) {
        void deps.audit
          .append({
            caller,
            action: "verify",
            artifact: { digest: art.digestString, ...(art.uri ? { uri: art.uri } : {}) },
            ...(expected.policy ? { policy: expected.policy } : {}),
            ...(expected.predicateType ? { detail: { predicateType: expected.predicateType } } : {}),
            verdict: r.verified ? "verified" : "rejected",
            reasons: r.failures.map((f) => `${f.code}: ${f.message}`),
            ...(r.entry ? { logIndex: r.entry.logIndex } : {}),
          })
          .catch(() => undefined);
      }
    }
    return response;
  };
}
