/**
 * Caller attestations (Sign with a `statement`): the policy's `attestations` rules decide which
 * predicate types a caller may have signed; a refusal is failed_precondition, logs nothing and is
 * audited; an allowed statement is signed with the artifact as subject and verifies with stock
 * sigstore-js and with our Verify, which can require its predicate type and reports its subjects.
 * Through the SDK, the REST route and the CLI (`certus-trust attest`, `verify --predicate-type`).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { attestDigest, Code, createTrustClient, SLSA_PROVENANCE_V1, TrustError, verifyBundle } from "@certus/trust-sdk/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchTrustedRoot, stockVerify } from "../helpers/sigstore.js";
import { REPO_ROOT, startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import { execFailure } from "../helpers/cli.js";
import type { WireJson } from "../helpers/wire-json.js";

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, [join(REPO_ROOT, "bin/certus-trust.js"), ...args]).then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), execFailure);

const SCAN_TYPE = "https://certus.cloud/assurance/scan/v1";
const SERVICE = "certus-trust@certus.cloud";
const ARTIFACT = Buffer.from(`release tarball ${Date.now()}\n`);
const DIGEST = `sha256:${createHash("sha256").update(ARTIFACT).digest("hex")}`;
const PROVENANCE = {
  buildDefinition: { buildType: "https://certus.cloud/build/v1", externalParameters: { ref: "refs/tags/v1.2.3" } },
  runDetails: { builder: { id: "https://certus.cloud/builders/assurance@v1" }, metadata: { invocationId: "run-42" } },
};

// Auth is off, so every call is from "anonymous": it may have SLSA provenance signed under
// `default`, and nothing under `scans-only` except scan results.
const POLICIES = `
policies:
  default:
    attestations:
      - callers: ["anonymous"]
        predicateTypes: ["${SLSA_PROVENANCE_V1}"]
      - callers: ["apikey:assurance#*"]
        predicateTypes: ["${SCAN_TYPE}"]
  lenient:
    mode: warn
  scans-only:
    attestations:
      - callers: ["anon*"]
        predicateTypes: ["${SCAN_TYPE}"]
`;

let srv: TestServer;
let work: string;
let trustedRoot: unknown;

beforeAll(async () => {
  work = tempDir("certus-trust-attest-");
  const policyFile = join(work, "policies.yaml");
  writeFileSync(policyFile, POLICIES);
  srv = await startTestServer({ "policy-file": policyFile });
  trustedRoot = await fetchTrustedRoot(srv.url);
});
afterAll(async () => {
  await srv?.stop();
});

const client = () => createTrustClient({ baseUrl: srv.url });

async function post(path: string, body: unknown) {
  const res = await fetch(`${srv.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as WireJson };
}

async function auditEvents(): Promise<
  Array<{ action: string; verdict: string; reasons?: string[]; detail?: Record<string, string>; artifact?: { digest?: string } }>
> {
  await new Promise((r) => setTimeout(r, 50));
  const list = await cli(["audit", "list", "--data-dir", srv.dataDir, "--output", "json"]);
  expect(list.code, list.stderr).toBe(0);
  return JSON.parse(list.stdout);
}

describe("Sign with a caller statement", () => {
  it("a predicate type the policy allows is signed: the statement is the caller's, the subject the artifact", async () => {
    const res = await attestDigest(client(), DIGEST, SLSA_PROVENANCE_V1, PROVENANCE, { uri: "https://downloads.example/app-1.2.3.tgz" });
    expect(res.predicateType).toBe(SLSA_PROVENANCE_V1);
    expect(res.signer?.subject).toBe(SERVICE);
    const env = res.bundle!.content.case === "dsseEnvelope" ? res.bundle!.content.value : undefined;
    expect(env?.payloadType).toBe("application/vnd.in-toto+json");
    const statement = JSON.parse(Buffer.from(env!.payload).toString("utf8"));
    expect(statement).toEqual({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "https://downloads.example/app-1.2.3.tgz", digest: { sha256: DIGEST.slice(7) } }],
      predicateType: SLSA_PROVENANCE_V1,
      predicate: PROVENANCE,
    });

    // Our Verify: the signer, the required predicate type, and the statement in the verdict.
    const ok = await verifyBundle(client(), res.bundle!, DIGEST, { subject: SERVICE, issuer: res.signer!.issuer, predicateType: SLSA_PROVENANCE_V1 });
    expect(ok.verified, JSON.stringify(ok.failures)).toBe(true);
    expect(ok.statement?.predicateType).toBe(SLSA_PROVENANCE_V1);
    expect(ok.statement?.subjects).toEqual([
      { $typeName: "certus.trust.v1.StatementSubject", name: "https://downloads.example/app-1.2.3.tgz", digest: { sha256: DIGEST.slice(7) } },
    ]);
    const wrongType = await verifyBundle(client(), res.bundle!, DIGEST, { subject: SERVICE, issuer: res.signer!.issuer, predicateType: SCAN_TYPE });
    expect(wrongType.verified).toBe(false);
    expect(wrongType.failures.map((f) => f.code)).toEqual(["PREDICATE_TYPE_MISMATCH"]);
    const otherDigest = await verifyBundle(client(), res.bundle!, `sha256:${"0".repeat(64)}`, {
      subject: SERVICE,
      issuer: res.signer!.issuer,
      predicateType: SLSA_PROVENANCE_V1,
    });
    expect(otherDigest.verified).toBe(false);
    expect(otherDigest.failures.map((f) => f.code)).toContain("DIGEST_MISMATCH");

    // Stock sigstore-js (@sigstore/verify) with the served trusted root.
    const { toJson } = await import("@bufbuild/protobuf");
    const { BundleSchema } = await import("@certus/trust-sdk");
    const json = toJson(BundleSchema, res.bundle!);
    expect(() => stockVerify(trustedRoot, json, undefined, { subjectAlternativeName: SERVICE, extensions: { issuer: res.signer!.issuer } })).not.toThrow();
    expect(() => stockVerify(trustedRoot, json, undefined, { subjectAlternativeName: "mallory@example.com" })).toThrow();

    const events = await auditEvents();
    expect(
      events.some((e) => e.action === "sign" && e.verdict === "allowed" && e.artifact?.digest === DIGEST && e.detail?.["predicateType"] === SLSA_PROVENANCE_V1),
    ).toBe(true);
  });

  it("a predicate type the policy does not allow this caller is refused (failed_precondition), logs nothing and is audited", async () => {
    const before = srv.server.stack.log.size;
    const err = await attestDigest(client(), DIGEST, SCAN_TYPE, { findings: [] }).then(
      () => undefined,
      (e: unknown) => e as TrustError,
    );
    expect(err).toBeInstanceOf(TrustError);
    expect(err?.code).toBe(Code.FailedPrecondition);
    expect(err?.rawMessage).toContain(`does not let caller "anonymous" have predicate type "${SCAN_TYPE}" signed; allowed: ${SLSA_PROVENANCE_V1}`);
    // Under another policy the same caller may have only scan results signed.
    const refused = await post("/v1/sign", {
      artifact: { digest: DIGEST },
      policy: "scans-only",
      statement: { predicateType: SLSA_PROVENANCE_V1, predicateJson: JSON.stringify(PROVENANCE) },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.code).toBe("failed_precondition");
    expect(srv.server.stack.log.size).toBe(before);
    const allowed = await post("/v1/sign", {
      artifact: { digest: DIGEST },
      policy: "scans-only",
      statement: { predicateType: SCAN_TYPE, predicateJson: '{"findings":[]}' },
    });
    expect(allowed.status, JSON.stringify(allowed.json)).toBe(200);
    expect(allowed.json.predicateType).toBe(SCAN_TYPE);

    const events = await auditEvents();
    const refusals = events.filter((e) => e.action === "sign" && e.verdict === "refused" && e.detail?.["predicateType"] !== undefined);
    expect(refusals.map((e) => e.detail!["predicateType"]).sort()).toEqual([SCAN_TYPE, SLSA_PROVENANCE_V1].sort());
    expect(refusals.every((e) => e.reasons?.[0]?.includes('caller "anonymous"'))).toBe(true);
  });

  it("a policy in warn mode signs a type it does not allow, with the reason as a warning", async () => {
    const r = await post("/v1/sign", { artifact: { digest: DIGEST }, policy: "lenient", statement: { predicateType: SCAN_TYPE, predicateJson: "{}" } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.predicateType).toBe(SCAN_TYPE);
    expect(r.json.warnings).toEqual([`policy "lenient" lets caller "anonymous" have no predicate type signed (predicate type "${SCAN_TYPE}")`]);
  });

  it("bad statements are invalid_argument, naming the field", async () => {
    const big = JSON.stringify({ blob: "x".repeat(256 * 1024) });
    const deep = "[".repeat(100) + "]".repeat(100);
    const cases: Array<[unknown, string]> = [
      [{ predicateType: "", predicateJson: "{}" }, "statement.predicateType"],
      [{ predicateType: "slsa provenance", predicateJson: "{}" }, "statement.predicateType"],
      [{ predicateType: `https://x.example/${"a".repeat(600)}`, predicateJson: "{}" }, "statement.predicateType"],
      [{ predicateType: SLSA_PROVENANCE_V1, predicateJson: "" }, "statement.predicateJson"],
      [{ predicateType: SLSA_PROVENANCE_V1, predicateJson: "[1,2]" }, "statement.predicateJson"],
      [{ predicateType: SLSA_PROVENANCE_V1, predicateJson: "{not json" }, "statement.predicateJson"],
      [{ predicateType: SLSA_PROVENANCE_V1, predicateJson: big }, "statement.predicateJson"],
      [{ predicateType: SLSA_PROVENANCE_V1, predicateJson: `{"a":${deep}}` }, "statement.predicateJson"],
    ];
    for (const [statement, field] of cases) {
      const r = await post("/v1/sign", { artifact: { digest: DIGEST }, statement });
      expect(r.status, JSON.stringify(statement).slice(0, 100)).toBe(400);
      expect(r.json.code).toBe("invalid_argument");
      expect(r.json.message).toContain(field);
    }
    const msg = await post("/v1/sign", {
      artifact: { digest: DIGEST },
      format: "SIGNATURE_FORMAT_MESSAGE_SIGNATURE",
      statement: { predicateType: SLSA_PROVENANCE_V1, predicateJson: "{}" },
    });
    expect(msg.status).toBe(400);
    expect(msg.json.message).toContain("format");
  });

  it("the outer signature is unchanged without a statement, and reports its predicate type", async () => {
    const r = await post("/v1/sign", { artifact: { digest: DIGEST } });
    expect(r.status).toBe(200);
    expect(r.json.predicateType).toBe("https://certus.cloud/trust/outer-signature/v1");
    const v = await post("/v1/verify", {
      artifact: { digest: DIGEST },
      bundle: r.json.bundle,
      expectedSigner: { subject: SERVICE, issuer: r.json.signer.issuer, predicateType: SLSA_PROVENANCE_V1 },
    });
    expect(v.json.verified).toBe(false);
    expect(v.json.failures[0].code).toBe("PREDICATE_TYPE_MISMATCH");
    const m = await post("/v1/sign", { artifact: { digest: DIGEST }, format: "SIGNATURE_FORMAT_MESSAGE_SIGNATURE" });
    const vm = await post("/v1/verify", {
      artifact: { digest: DIGEST },
      bundle: m.json.bundle,
      expectedSigner: { subject: SERVICE, issuer: m.json.signer.issuer, predicateType: SLSA_PROVENANCE_V1 },
    });
    expect(vm.json.verified).toBe(false);
    expect(vm.json.failures.map((f: { code: string }) => f.code)).toEqual(["PREDICATE_TYPE_MISMATCH"]);
    expect(vm.json.statement).toBeUndefined();
  });
});

describe("CLI: certus-trust attest, verify --predicate-type", () => {
  it("attests a predicate file and verifies it with a required predicate type", async () => {
    const predicate = join(work, "provenance.json");
    writeFileSync(predicate, JSON.stringify(PROVENANCE));
    const bundle = join(work, "provenance.sigstore.json");
    const a = await cli(["attest", "--server", srv.url, "--digest", DIGEST, "--predicate-type", SLSA_PROVENANCE_V1, "--predicate", predicate, "--out", bundle]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toContain(`attested (${SLSA_PROVENANCE_V1})`);
    const issuer = srv.url;
    const v = await cli([
      "verify",
      "--server",
      srv.url,
      "--bundle",
      bundle,
      "--digest",
      DIGEST,
      "--subject",
      SERVICE,
      "--issuer",
      issuer,
      "--predicate-type",
      SLSA_PROVENANCE_V1,
    ]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain(`statement: ${SLSA_PROVENANCE_V1}`);
    const wrong = await cli([
      "verify",
      "--server",
      srv.url,
      "--bundle",
      bundle,
      "--digest",
      DIGEST,
      "--subject",
      SERVICE,
      "--issuer",
      issuer,
      "--predicate-type",
      SCAN_TYPE,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain("PREDICATE_TYPE_MISMATCH");
    const refused = await cli(["attest", "--server", srv.url, "--digest", DIGEST, "--predicate-type", SCAN_TYPE, "--predicate", predicate]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("does not let caller");
    const usage = await cli(["attest", "--server", srv.url, "--digest", DIGEST, "--predicate", predicate]);
    expect(usage.code).toBe(2);
  });
});
