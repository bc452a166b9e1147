/**
 * The verification pool's scheduling with real worker threads running a FAKE verification that
 * takes a chosen time (`test/helpers/verify-worker-fake.mjs`): a worker holds several chunks, so
 * - a chunk whose deadline passes while it waits behind another in the same worker fails with
 *   DEADLINE_EXCEEDED at its deadline, and the worker is not stopped;
 * - a chunk still running at its deadline stops its worker, and the chunks held behind it are
 *   judged by the replacement, not failed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { VerifyDeadlineError, VerifyPool, type PoolTask } from "../../src/verify-pool/pool.js";

const FAKE = new URL("../helpers/verify-worker-fake.mjs", import.meta.url);

/** A task the fake worker spends `ms` on. */
const busy = (ms: number): PoolTask => ({
  bundle: { json: {} },
  artifact: { digest: "sha256:" + "0".repeat(64) },
  root: { kind: "service" },
  expected: { subject: String(ms) },
});

describe("verification pool: held chunks and deadlines", () => {
  let pool: VerifyPool | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it("a chunk that waits past its deadline behind another fails then; the worker keeps running", async () => {
    const exits: string[] = [];
    pool = new VerifyPool({ size: 1, serviceRoot: {}, script: FAKE, onWorkerExit: (why) => exits.push(why) });
    const started = performance.now();
    const long = pool.run([busy(800)], 5_000);
    const waiting = pool.run([busy(5)], 200);
    await expect(waiting).rejects.toBeInstanceOf(VerifyDeadlineError);
    const failedAfter = performance.now() - started;
    expect(failedAfter).toBeGreaterThanOrEqual(190);
    expect(failedAfter).toBeLessThan(700);
    const [reply] = await long;
    expect(reply && "result" in reply && reply.result.verified).toBe(true);
    expect(exits).toEqual([]);
    // The same worker still answers.
    const [next] = await pool.run([busy(1)], 2_000);
    expect(next && "result" in next).toBe(true);
  });

  it("a chunk running at its deadline stops its worker; the chunks held behind it are judged by the replacement", async () => {
    const exits: string[] = [];
    pool = new VerifyPool({ size: 1, serviceRoot: {}, script: FAKE, onWorkerExit: (why) => exits.push(why) });
    const stuck = pool.run([busy(3_000)], 300);
    const behind = pool.run([busy(5)], 8_000);
    const alsoBehind = pool.run([busy(5), busy(5)], 8_000);
    await expect(stuck).rejects.toBeInstanceOf(VerifyDeadlineError);
    const replies = [...(await behind), ...(await alsoBehind)];
    expect(replies).toHaveLength(3);
    for (const r of replies) expect("result" in r && r.result.verified).toBe(true);
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatch(/ran past its budget of 300 ms/);
  });
});
