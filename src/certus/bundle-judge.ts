/**
 * How the Certus handlers have Sigstore bundles judged: through a port the composition root
 * wires to the verification worker pool (so that no verification runs on the main thread, issue
 * #14), or, without a pool, to {@link inThreadJudge}. One request's verifications share one time
 * budget ({@link WorkBudget}); past it the pool fails the request with `DEADLINE_EXCEEDED`.
 */
import type { HandlerContext } from "@connectrpc/connect";
import { verifyUnderRule, type TrustRoots } from "../policy/evaluate.js";
import type { SignerRule } from "../policy/model.js";
import type { VerificationResult } from "../sigstore/verify/index.js";

/** One bundle (JSON) to judge over an artifact digest (`sha256:<hex>`) under one signer rule. */
export interface BundleCheck {
  readonly bundle: unknown;
  readonly digest: string;
  readonly rule: SignerRule;
}

/** What is left of one request's verification time. */
export interface WorkBudget {
  /** The whole budget, ms (for messages). */
  readonly totalMs: number;
  /** Milliseconds left (0 or less: spent). */
  remainingMs(): number;
}

/**
 * Judges every check, verdicts in the order of `checks`; an empty list gives an empty list.
 * Contract: never judges on the caller's thread when a worker pool runs; fails with a
 * `DEADLINE_EXCEEDED` TrustError when the budget runs out before every verdict is in, with
 * `InvalidArgumentError` when a bundle is not one (as `verifyBundle` does), and with
 * `RESOURCE_EXHAUSTED` / `UNAVAILABLE` when the pool is full or shutting down.
 */
export type BundleJudge = (checks: readonly BundleCheck[], budget: WorkBudget) => Promise<VerificationResult[]>;

/** Judges on the calling thread (no pool: `--verify-workers 0`, or sources run unbuilt); the budget is not enforced. */
export function inThreadJudge(roots: TrustRoots): BundleJudge {
  return (checks) => Promise.resolve(checks.map((c) => verifyUnderRule(c.bundle, c.digest, c.rule, roots)));
}

/** One request's budget: `budgetMs` from now, or the call's own deadline if sooner. */
export function requestBudget(budgetMs: number, ctx: HandlerContext): WorkBudget {
  const totalMs = Math.min(budgetMs, ctx.timeoutMs() ?? Number.POSITIVE_INFINITY);
  const deadlineAt = performance.now() + totalMs;
  return { totalMs, remainingMs: () => deadlineAt - performance.now() };
}
