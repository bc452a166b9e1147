/**
 * The Certus room's bundle judge on the verification worker pool: each check becomes a pool task
 * (the rule's trust root and expectation, as Sign's inner bundles), judged within what is left of
 * the request's budget, so VerifyChain and VerifyAndPermitUpload never verify on the main thread
 * when a pool runs (issue #14). Past the budget the pool fails with `DEADLINE_EXCEEDED`.
 */
import type { BundleJudge } from "../certus/bundle-judge.js";
import { VerifyDeadlineError, type VerifyPool } from "../verify-pool/pool.js";
import { ruleTask, verdictOf } from "../verify-pool/rule-task.js";

export function poolJudge(pool: VerifyPool): BundleJudge {
  return async (checks, budget) => {
    if (checks.length === 0) return [];
    // A spent budget still goes through the pool, which refuses it with VerifyDeadlineError.
    try {
      const replies = await pool.run(
        checks.map((c) => ruleTask(c.bundle, c.digest, c.rule)),
        Math.max(0, budget.remainingMs()),
      );
      return replies.map(verdictOf);
    } catch (err) {
      // The pool names what was left of the budget; the caller set the whole of it.
      if (err instanceof VerifyDeadlineError) throw new VerifyDeadlineError(budget.totalMs);
      throw err;
    }
  };
}
