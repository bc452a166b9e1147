/**
 * The conformance corpus through real verification worker threads (`VerifyPool`, as the Verify
 * RPC runs it): all 140 decisions as expected, each the same verdict and failure codes as the
 * in-thread API path the unit tests use (`test/helpers/api-judge.ts`), so those tests judge what
 * the workers judge. Several requests at once, so workers hold more than one chunk.
 */
import { fromJson, toBinary, type JsonValue } from "@bufbuild/protobuf";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { afterAll, describe, expect, it } from "vitest";
import type { VerificationResult } from "../../src/sigstore/verify/index.js";
import { binaryBundle } from "../../src/verify-pool/judge.js";
import { defaultWorkerScript, VerifyPool } from "../../src/verify-pool/pool.js";
import { verdictOf } from "../../src/verify-pool/rule-task.js";
import { loadCases, whyCasesUnavailable, type ConformanceCase } from "../conformance/cases.js";
import { apiTrustedRootJson, judgeAsApi } from "../helpers/api-judge.js";
import { skipReason } from "../helpers/requirement.js";

const missing =
  whyCasesUnavailable() ??
  (defaultWorkerScript() === undefined ? "the compiled verification worker (dist/src/verify-pool/worker.js): run `npx tsc -b`" : undefined);
const skip = skipReason("verify-pool conformance", missing);

const summary = (r: VerificationResult) => (r.verified ? "verified" : `rejected: ${r.failures.map((f) => f.code).join(",")}`);

describe.skipIf(skip !== undefined)("conformance corpus on the verification workers", () => {
  // Every task sends its case's root; the workers' own root is any valid one.
  const pool = skip === undefined ? new VerifyPool({ size: 2, serviceRoot: loadCases().find((c) => c.expect === "pass")?.trustedRoot }) : undefined;
  afterAll(async () => {
    await pool?.close();
  });

  it("decides all 140 as expected, each exactly as the in-thread API path", async () => {
    const decisions = loadCases().flatMap((c) => (["bytes", "digest"] as const).map((mode) => ({ c, mode })));
    const differ: string[] = [];
    let decided = 0;
    await Promise.all(
      decisions.map(async ({ c, mode }: { c: ConformanceCase; mode: "bytes" | "digest" }) => {
        const artifact = mode === "bytes" ? { content: c.artifact } : { digest: c.artifactDigest };
        const expected = c.key !== undefined ? { publicKey: c.key } : { subject: c.identity!, issuer: c.issuer! };
        const inThread = summary(judgeAsApi({ bundle: c.bundle, artifact, trustedRoot: c.trustedRoot, expected }));
        let onWorker: string;
        let binary: Uint8Array | undefined;
        try {
          binary = toBinary(BundleSchema, fromJson(BundleSchema, c.bundle as JsonValue));
        } catch {
          binary = undefined;
        }
        const root = apiTrustedRootJson(c.trustedRoot);
        if (binary === undefined || root === undefined) {
          // The RPC refuses it at decoding; the in-thread path says so too.
          onWorker = binary === undefined ? "rejected: BUNDLE_MALFORMED" : "rejected: TRUST_ROOT_INVALID";
        } else {
          const [reply] = await pool!.run([{ bundle: binaryBundle(binary), artifact, root: { kind: "json", json: root }, expected }], 60_000);
          onWorker = summary(verdictOf(reply!));
        }
        decided++;
        if (onWorker !== inThread) differ.push(`${c.name} [${mode}]: worker ${onWorker}, in-thread ${inThread}`);
        if ((onWorker === "verified") !== (c.expect === "pass")) differ.push(`${c.name} [${mode}]: expected ${c.expect}, worker ${onWorker}`);
      }),
    );
    expect(differ, differ.join("\n")).toEqual([]);
    expect(decided).toBe(140);
  }, 120_000);
});
