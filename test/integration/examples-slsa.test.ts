/**
 * The SLSA provenance examples (examples/slsa-*.mjs), run as a user would run them against a real
 * server with API keys: the policy lets the `assurance` key have SLSA provenance signed and not the
 * `transform` key; the consumer promotes with the right builder, and refuses another builder or a
 * changed artifact.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyStore } from "../../src/state/file/api-key-store.js";
import { REPO_ROOT, startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import { execFailure } from "../helpers/cli.js";

const run = promisify(execFile);
const node = (script: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [join(REPO_ROOT, "examples", script), ...args], { env: { ...process.env, ...env }, cwd: REPO_ROOT }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    execFailure,
  );

const BUILDER = "https://certus.cloud/builders/assurance@v1";
let srv: TestServer;
let work: string;
let assuranceKey: string;
let transformKey: string;

beforeAll(async () => {
  work = tempDir("certus-examples-slsa-");
  const dataDir = tempDir("certus-examples-slsa-data-");
  const store = ApiKeyStore.open(dataDir);
  assuranceKey = store.create("assurance", ["sign", "verify"]).key;
  transformKey = store.create("transform", ["sign", "verify"]).key;
  const policies = join(work, "policies.yaml");
  writeFileSync(
    policies,
    `policies:\n  default:\n    attestations:\n      - callers: ["apikey:assurance#*"]\n        predicateTypes: ["https://slsa.dev/provenance/v1"]\n`,
  );
  srv = await startTestServer({ auth: "api-key", "policy-file": policies }, dataDir);
});
afterAll(async () => {
  await srv?.stop();
});

describe("examples/slsa-producer.mjs and slsa-consumer.mjs", () => {
  it("the producer's provenance is signed; the consumer promotes with the builder it expects, and refuses others", async () => {
    const artifact = join(work, "app.tgz");
    writeFileSync(artifact, `build output ${Date.now()}\n`);
    const bundle = join(work, "provenance.sigstore.json");
    const produced = await node(
      "slsa-producer.mjs",
      ["--server", srv.url, "--file", artifact, "--uri", "s3://certus/builds/app.tgz", "--builder-id", BUILDER, "--out", bundle],
      { CERTUS_TRUST_API_KEY: assuranceKey },
    );
    expect(produced.code, produced.stderr).toBe(0);
    expect(JSON.parse(produced.stdout.trim())).toMatchObject({ predicateType: "https://slsa.dev/provenance/v1", signer: "certus-trust@certus.cloud" });

    const consume = (builder: string) =>
      node("slsa-consumer.mjs", ["--server", srv.url, "--bundle", bundle, "--file", artifact, "--builder-id", builder, "--issuer", srv.url], {
        CERTUS_TRUST_API_KEY: transformKey,
      });
    const ok = await consume(BUILDER);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^promote: sha256:[0-9a-f]{64} built by https:\/\/certus\.cloud\/builders\/assurance@v1/);
    const otherBuilder = await consume("https://ci.example/untrusted-builder");
    expect(otherBuilder.code).toBe(1);
    expect(otherBuilder.stdout).toContain("BUILDER_MISMATCH");

    writeFileSync(artifact, "changed after the build\n");
    const changed = await consume(BUILDER);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain("DIGEST_MISMATCH");
  });

  it("a caller the policy does not name cannot have provenance signed", async () => {
    const artifact = join(work, "other.tgz");
    writeFileSync(artifact, "other\n");
    const refused = await node("slsa-producer.mjs", ["--server", srv.url, "--file", artifact, "--builder-id", BUILDER, "--out", join(work, "x.json")], {
      CERTUS_TRUST_API_KEY: transformKey,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused: .*caller "apikey:transform#/);
  });
});
