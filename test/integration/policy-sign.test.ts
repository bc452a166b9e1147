/**
 * Signer policies and inner signatures: Sign verifies inner bundles against the artifact and the
 * policy before adding the outer signature, refuses (and logs nothing) when the policy is not met,
 * and every decision is a hash-chained audit event that `certus-trust audit verify` checks.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeInnerBundle } from "../helpers/inner-bundle.js";
import { REPO_ROOT, startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, [join(REPO_ROOT, "bin/certus-trust.js"), ...args]).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: unknown) => {
      const e = err as { code: number; stdout: string; stderr: string }; // execFile's error for a non-zero exit
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    },
  );

const ASSURANCE = "certus-assurance@certus.cloud";
const ISSUER = "https://keycloak.certus.example/realms/certus";
const DIGEST = `sha256:${createHash("sha256").update("scan 42 results").digest("hex")}`;
const OTHER_DIGEST = `sha256:${createHash("sha256").update("something else").digest("hex")}`;

const POLICIES = `
policies:
  default:
    mode: enforce
    version: "7"
    match: any-of
    innerSigners:
      - subject: ${ASSURANCE}
        issuer: ${ISSUER}
        trustRoot: service
  lenient:
    mode: warn
    innerSigners:
      - subjectRegexp: "certus-assurance@certus\\\\.cloud"
        issuer: ${ISSUER}
`;

let srv: TestServer;
let policyFile: string;

async function post(path: string, body: unknown) {
  const res = await fetch(`${srv.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as WireJson };
}

beforeAll(async () => {
  const dir = tempDir();
  policyFile = join(dir, "policies.yaml");
  writeFileSync(policyFile, POLICIES);
  srv = await startTestServer({ "policy-file": policyFile });
});
afterAll(async () => {
  await srv?.stop();
});

describe("Sign with inner signatures", () => {
  it("an inner bundle from certus-assurance satisfies the policy; the outer predicate names it", async () => {
    const inner = await makeInnerBundle(srv.server.stack, { identity: ASSURANCE, issuer: ISSUER, digest: DIGEST });
    const r = await post("/v1/sign", { artifact: { uri: "s3://certus/scans/42.json", digest: DIGEST }, innerBundles: [inner] });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.innerSigners).toHaveLength(1);
    expect(r.json.innerSigners[0]).toMatchObject({ subject: ASSURANCE, issuer: ISSUER });
    const statement = JSON.parse(Buffer.from(r.json.bundle.dsseEnvelope.payload, "base64").toString());
    expect(statement.predicate.policy).toEqual({ name: "default", version: "7", mode: "enforce" });
    expect(statement.predicate.innerSigners[0].subject).toBe(ASSURANCE);
    expect(statement.predicate.innerSigners[0].bundleDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("an inner bundle from another identity is refused with failed_precondition, and nothing is logged", async () => {
    const inner = await makeInnerBundle(srv.server.stack, { identity: "mallory@evil.example", issuer: ISSUER, digest: DIGEST });
    const before = srv.server.stack.log.size;
    const r = await post("/v1/sign", { artifact: { digest: DIGEST }, innerBundles: [inner] });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("failed_precondition");
    expect(r.json.message).toMatch(/mallory@evil\.example/);
    expect(r.json.message).toMatch(/SIGNER_MISMATCH/);
    expect(srv.server.stack.log.size).toBe(before);
  });

  it("a look-alike identity does not pass for the exact one", async () => {
    const inner = await makeInnerBundle(srv.server.stack, { identity: `evil-${ASSURANCE}.example`, issuer: ISSUER, digest: DIGEST });
    const r = await post("/v1/sign", { artifact: { digest: DIGEST }, innerBundles: [inner] });
    expect(r.json.code).toBe("failed_precondition");
  });

  it("an inner bundle over another digest is refused, and nothing is logged", async () => {
    const inner = await makeInnerBundle(srv.server.stack, { identity: ASSURANCE, issuer: ISSUER, digest: OTHER_DIGEST });
    const before = srv.server.stack.log.size;
    const r = await post("/v1/sign", { artifact: { digest: DIGEST }, innerBundles: [inner] });
    expect(r.json.code).toBe("failed_precondition");
    expect(r.json.message).toMatch(/DIGEST_MISMATCH/);
    expect(srv.server.stack.log.size).toBe(before);
  });

  it("no inner bundle at all does not meet a policy that requires one", async () => {
    const r = await post("/v1/sign", { artifact: { digest: DIGEST } });
    expect(r.json.code).toBe("failed_precondition");
    expect(r.json.message).toMatch(/requires an inner signature/);
  });

  it("warn mode signs, with the reasons as warnings", async () => {
    const r = await post("/v1/sign", { artifact: { digest: DIGEST }, policy: "lenient" });
    expect(r.status).toBe(200);
    expect(r.json.warnings.join(" ")).toMatch(/requires an inner signature/);
  });

  it("an unknown policy is invalid_argument naming the policy field", async () => {
    const r = await post("/v1/sign", { artifact: { digest: DIGEST }, policy: "nope" });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/^policy: no policy named "nope"/);
  });

  it("`policy check` dry-runs the policy against a bundle", async () => {
    const good = await makeInnerBundle(srv.server.stack, { identity: ASSURANCE, issuer: ISSUER, digest: DIGEST });
    const bad = await makeInnerBundle(srv.server.stack, { identity: "mallory@evil.example", issuer: ISSUER, digest: DIGEST });
    const dir = tempDir();
    writeFileSync(join(dir, "good.json"), JSON.stringify(good));
    writeFileSync(join(dir, "bad.json"), JSON.stringify(bad));
    const ok = await cli(["policy", "check", "--policy-file", policyFile, "--bundle", join(dir, "good.json"), "--digest", DIGEST, "--server", srv.url]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/decision: MET/);
    const no = await cli(["policy", "check", "--policy-file", policyFile, "--bundle", join(dir, "bad.json"), "--digest", DIGEST, "--server", srv.url]);
    expect(no.code).toBe(1);
    expect(no.stdout).toMatch(/NOT MET/);
    expect(no.stdout).toMatch(/mallory/);
  });
});

describe("audit trail", () => {
  it("records sign decisions (allowed and refused), and detects an edited or removed event", async () => {
    // Let queued events settle.
    await new Promise((r) => setTimeout(r, 50));
    const list = await cli(["audit", "list", "--data-dir", srv.dataDir, "--output", "json"]);
    const events = JSON.parse(list.stdout) as Array<{ seq: number; action: string; verdict: string; artifact?: { digest?: string } }>;
    expect(events.some((e) => e.action === "sign" && e.verdict === "allowed" && e.artifact?.digest === DIGEST)).toBe(true);
    expect(events.some((e) => e.action === "sign" && e.verdict === "refused")).toBe(true);
    const ok = await cli(["audit", "verify", "--data-dir", srv.dataDir]);
    expect(ok.code, ok.stderr).toBe(0);

    // Copy the trail, edit one event: verification fails naming it.
    const file = join(srv.dataDir, "audit.log");
    const original = readFileSync(file, "utf8");
    const lines = original.trimEnd().split("\n");
    const edited = [...lines];
    edited[1] = edited[1]!.replace(/"verdict":"(\w+)"/, '"verdict":"allowed"').replace(/"caller":"[^"]*"/, '"caller":"someone-else"');
    writeFileSync(file, edited.join("\n") + "\n");
    const broken = await cli(["audit", "verify", "--data-dir", srv.dataDir]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/event seq 2 .*altered/);

    // Remove one event: the next one no longer follows.
    writeFileSync(file, [...lines.slice(0, 2), ...lines.slice(3)].join("\n") + "\n");
    const removed = await cli(["audit", "verify", "--data-dir", srv.dataDir]);
    expect(removed.code).toBe(1);
    expect(removed.stderr).toMatch(/seq 4 .*expected seq 3/);

    // Cut the last event off: the head record notices.
    writeFileSync(file, lines.slice(0, -1).join("\n") + "\n");
    const cut = await cli(["audit", "verify", "--data-dir", srv.dataDir]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/cut off the end/);
    writeFileSync(file, original);
  });
});

describe("policy file loading", () => {
  it("a broken policy file is refused at start with its line and the problem", async () => {
    const file = join(tempDir(), "bad.yaml");
    writeFileSync(file, "policies:\n  default:\n    mode: sometimes\n");
    const r = await cli(["serve", "--port", "0", "--data-dir", tempDir(), "--policy-file", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:3: mode must be enforce or warn/);
  });

  it("a broken file on reload keeps the running policies", async () => {
    const before = srv.server.health.ready();
    writeFileSync(policyFile, "policies: [");
    await new Promise((r) => setTimeout(r, 400));
    const r = await post("/v1/sign", { artifact: { digest: DIGEST }, policy: "lenient" });
    expect(r.status).toBe(200);
    expect(srv.logs.join("\n")).toMatch(/policy file not reloaded/);
    writeFileSync(policyFile, POLICIES);
    expect(before).toBe(true);
  });
});
