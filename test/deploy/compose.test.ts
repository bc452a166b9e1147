/**
 * docker-compose.yml end to end: brings the whole stack up (Keycloak, Fulcio, Rekor v2, TSA, TUF,
 * the TLS gateway, Certus-Trust in sigstore mode), creates an API key inside the trust container,
 * then signs an artifact digest and verifies the bundle through Certus-Trust's REST API.
 *
 * Needs a Docker engine and the `testcontainers` npm package (a dev dependency, imported
 * dynamically so that this file loads without it). Where either is missing the suite is skipped
 * and says why; first runs pull images and build certus-trust (minutes).
 */
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StartedDockerComposeEnvironment } from "testcontainers";
import { skipReason as requirement } from "../helpers/requirement.js";
import type { WireJson } from "../helpers/wire-json.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function dockerEngine(): string | undefined {
  const socket = process.env.DOCKER_HOST ?? "/var/run/docker.sock";
  if (!process.env.DOCKER_HOST && !existsSync(socket)) return `no Docker engine: ${socket} does not exist and DOCKER_HOST is not set`;
  const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 20_000 });
  if (info.error) return `no Docker engine: the docker client cannot run (${info.error.message})`;
  if (info.status !== 0) return `no Docker engine: \`docker info\` failed: ${(info.stderr || info.stdout).trim().split("\n")[0]}`;
  return undefined;
}

type Testcontainers = typeof import("testcontainers");
async function loadTestcontainers(): Promise<Testcontainers | string> {
  try {
    return await import("testcontainers");
  } catch {
    return "the testcontainers package is not installed (add it to devDependencies)";
  }
}

// A Docker engine is the one requirement that skips even in CI: it is a service of the host, not a
// tool the project's scripts can install (the project's machines and CI run none), so this suite
// runs where an engine is offered (a developer's machine, a CI with Docker) and says why elsewhere.
// testcontainers is a dev dependency: missing it is a broken install, which fails in CI.
const engineMissing = dockerEngine();
const tc = engineMissing ? undefined : await loadTestcontainers();
const skipReason = engineMissing ?? requirement("deploy/compose", typeof tc === "string" ? tc : undefined);
if (engineMissing) console.warn(`[deploy/compose] SKIPPED: ${engineMissing}`);

const DIGEST = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

describe.skipIf(skipReason !== undefined)("docker-compose.yml stack: sign and verify through Certus-Trust", () => {
  let env: StartedDockerComposeEnvironment | undefined;
  let base = "";
  let apiKey = "";

  beforeAll(async () => {
    if (tc === undefined || typeof tc === "string") throw new Error("unreachable: the suite is skipped without testcontainers");
    const { DockerComposeEnvironment, Wait } = tc;
    env = await new DockerComposeEnvironment(root, "docker-compose.yml")
      .withBuild()
      .withWaitStrategy("trust-1", Wait.forHealthCheck())
      .withStartupTimeout(900_000)
      .up();
    const trust = env.getContainer("trust-1");
    base = `http://${trust.getHost()}:${trust.getMappedPort(8888)}`;
    const created = await trust.exec([
      "node",
      "bin/certus-trust.js",
      "apikey",
      "create",
      "--name",
      "compose-test",
      "--scopes",
      "sign,verify,read",
      "--data-dir",
      "/data",
    ]);
    expect(created.exitCode, created.output).toBe(0);
    apiKey = /ctk_[A-Za-z0-9_-]+/.exec(created.output)?.[0] ?? "";
    expect(apiKey).not.toBe("");
    // A running server picks up new keys within a second.
    await new Promise((r) => setTimeout(r, 1500));
  }, 1_200_000);

  afterAll(async () => {
    await env?.down({ removeVolumes: true });
  }, 300_000);

  it("signs with the external Fulcio, Rekor v2 and TSA, and verifies the bundle", async () => {
    const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
    const signed = await fetch(`${base}/v1/sign`, {
      method: "POST",
      headers,
      body: JSON.stringify({ artifact: { uri: "s3://certus-artifacts/scans/42.json", digest: DIGEST } }),
    });
    expect(signed.status).toBe(200);
    const s = (await signed.json()) as WireJson;
    expect(s.signer.subject).toBe("certus-trust@certus.cloud");
    const verified = await fetch(`${base}/v1/verify`, {
      method: "POST",
      headers,
      body: JSON.stringify({ artifact: { digest: DIGEST }, bundle: s.bundle, expectedSigner: s.signer }),
    });
    expect(verified.status).toBe(200);
    const v = (await verified.json()) as WireJson;
    expect(v.failures ?? []).toEqual([]);
    expect(v.verified).toBe(true);
  }, 120_000);

  it("refuses a call without credentials", async () => {
    const r = await fetch(`${base}/v1/keys`);
    expect(r.status).toBe(401);
  });
});
