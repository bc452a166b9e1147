/**
 * Policy rules as pool tasks, and pool replies as verdicts: what the Verify and Sign handlers need
 * to judge bundles under a signer policy on the worker threads instead of their own.
 */
import { InvalidArgumentError } from "../errors.js";
import { expectationOf } from "../policy/evaluate.js";
import type { SignerRule } from "../policy/model.js";
import type { VerificationResult } from "../sigstore/verify/index.js";
import type { PoolTask } from "./pool.js";
import type { RootRef, VerifyReply } from "./protocol.js";

/** The worker's reference to a rule's trust root. */
export function ruleRoot(rule: SignerRule): RootRef {
  switch (rule.trustRoot.kind) {
    case "service":
      return { kind: "service" };
    case "public-good":
      return { kind: "public-good" };
    default:
      return { kind: "json", json: rule.trustRoot.json };
  }
}

/** One bundle (JSON) judged under one rule, over an artifact digest. */
export function ruleTask(bundle: unknown, digest: string, rule: SignerRule): PoolTask {
  return { bundle: { json: bundle }, artifact: { digest }, root: ruleRoot(rule), expected: expectationOf(rule) };
}

/** A worker's reply as the verdict it carries; a request error is thrown as `InvalidArgumentError`. */
export function verdictOf(reply: VerifyReply): VerificationResult {
  if ("result" in reply) return reply.result;
  if ("invalidArgument" in reply) throw new InvalidArgumentError(reply.invalidArgument.field, reply.invalidArgument.message);
  throw new Error(`verification worker: ${reply.internal}`);
}
