/**
 * The sample integrations in examples/, run as a user would run them (child processes) against a
 * real server and a real OIDC provider: the producer's inner signature satisfies a policy that
 * names its identity, and the consumer promotes the artifact, or refuses a changed one.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { REPO_ROOT, startTestServer, tempDir, type TestServer } from "../helpers/server.js";

const run = promisify(execFile);
const node = (script: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [join(REPO_ROOT, "examples", script), ...args], { env: { ...process.env, ...env }, cwd: REPO_ROOT }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: unknown) => {
      const e = err as { code: number; stdout: string; stderr: string }; // execFile's error for a non-zero exit
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    },
  );

const SCANNER = "certus-assurance@certus.cloud";
let idp: TestOidcProvider;
let srv: TestServer;
let work: string;

beforeAll(async () => {
  idp = await startOidcProvider();
  work = tempDir("certus-examples-");
  const policies = join(work, "policies.yaml");
  writeFileSync(policies, `policies:\n  default:\n    mode: enforce\n    innerSigners:\n      - subject: ${SCANNER}\n        issuer: ${idp.issuer}\n`);
  srv = await startTestServer({ "oidc-issuers": idp.issuer, "policy-file": policies });
});
afterAll(async () => {
  await srv?.stop();
  await idp?.stop();
});

describe("examples/", () => {
  it("producer signs keyless and gets the outer signature; consumer promotes, and refuses a changed file", async () => {
    const scan = join(work, "scan.json");
    writeFileSync(scan, JSON.stringify({ scan: 42, findings: [] }));
    const token = await idp.mintIdToken({ email: SCANNER });
    const produced = await node("assurance-producer.mjs", ["--server", srv.url, "--file", scan, "--uri", "s3://certus/scans/42.json", "--out-dir", work], {
      SIGSTORE_ID_TOKEN: token,
    });
    expect(produced.code, produced.stderr).toBe(0);
    const summary = JSON.parse(produced.stdout.trim().split("\n").at(-1)!) as { innerSigners: string[]; outerSigner: string };
    expect(summary.innerSigners).toEqual([SCANNER]);
    expect(summary.outerSigner).toBe("certus-trust@certus.cloud");

    const outer = join(work, "outer.sigstore.json");
    const ok = await node("transform-consumer.mjs", ["--server", srv.url, "--bundle", outer, "--file", scan, "--issuer", srv.url]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^promote: sha256:/);

    writeFileSync(scan, JSON.stringify({ scan: 42, findings: ["tampered"] }));
    const refused = await node("transform-consumer.mjs", ["--server", srv.url, "--bundle", outer, "--file", scan, "--issuer", srv.url]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/DIGEST_MISMATCH/);
  });

  it("the producer is refused when its identity is not the one the policy names", async () => {
    const scan = join(work, "other.json");
    writeFileSync(scan, "other");
    const token = await idp.mintIdToken({ email: "intruder@example.com" });
    const produced = await node("assurance-producer.mjs", ["--server", srv.url, "--file", scan, "--out-dir", join(work, "x")], { SIGSTORE_ID_TOKEN: token });
    expect(produced.code).not.toBe(0);
    expect(produced.stderr).toMatch(/intruder@example\.com/);
  });
});
