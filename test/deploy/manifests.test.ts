/**
 * The deployment files (Helm chart, docker-compose.yml, Keycloak realm, Dockerfile) validated by
 * scripts/validate-deploy.mjs: helm lint and kubeconform against the Kubernetes schemas, the
 * Compose Specification's loader, and the promises no schema states. The tools are built from
 * their Go modules into the per-user cache on first use (minutes, once); without Go on PATH the
 * suite is skipped and says why (in CI it fails: there Go is part of the machine).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script without type declarations
import * as deploy from "../../scripts/validate-deploy.mjs";
import { skipReason as requirement } from "../helpers/requirement.js";

const hasGo = spawnSync("go", ["version"], { encoding: "utf8" }).status === 0;
const skipReason = requirement(
  "deploy/manifests",
  hasGo ? undefined : "Go is not on PATH: helm, kubeconform and the compose loader are built from their Go modules",
);

describe.skipIf(skipReason !== undefined)("deployment files", () => {
  it("pass scripts/validate-deploy.mjs (helm lint, kubeconform -strict, compose loader, policy checks)", { timeout: 1_200_000 }, async () => {
    const lines: string[] = [];
    const { ok, problems } = await deploy.validateDeploy({
      print: (l: string) => {
        lines.push(l);
        console.log(`[validate-deploy] ${l}`);
      },
    });
    expect(problems).toEqual([]);
    expect(ok).toBe(true);
    expect(lines.some((l) => l.includes("kubeconform -strict"))).toBe(true);
  });

  it("the chart's policy check catches what it is for", async () => {
    const docs = await deploy.parseManifests(deploy.renderChart("values-embedded.yaml").stdout);
    expect(deploy.checkChartPolicy("embedded", docs)).toEqual([]);
    const deployment = docs.find((d: { kind: string }) => d.kind === "Deployment");
    deployment.spec.replicas = 3;
    deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    expect(deploy.checkChartPolicy("embedded", docs)).toEqual(["container readOnlyRootFilesystem is not true", "embedded: replicas is 3, not 1"]);
    // Sigstore values rendered as if embedded: no PVC, an HPA.
    const sigstore = await deploy.parseManifests(deploy.renderChart("values-sigstore.yaml").stdout);
    expect(deploy.checkChartPolicy("sigstore", sigstore)).toEqual([]);
    expect(deploy.checkChartPolicy("embedded", sigstore)).toContain("embedded: an HPA was rendered");
    // Replicas whose state is in files, or a database URL written in plain values.
    const config = sigstore.find((d: { kind: string }) => d.kind === "ConfigMap");
    config.data["config.yaml"] = config.data["config.yaml"].replace("stateStore: postgres", "stateStore: file");
    expect(deploy.checkChartPolicy("sigstore", sigstore)).toEqual(["sigstore: 10 replicas without stateStore: postgres"]);
    const env = sigstore.find((d: { kind: string }) => d.kind === "Deployment").spec.template.spec.containers[0].env;
    env.find((e: { name: string }) => e.name === "CERTUS_TRUST_DATABASE_URL").value = "postgres://u:p@db/x";
    expect(deploy.checkChartPolicy("sigstore", sigstore)).toContain("the database URL is written in plain values, not taken from a Secret");
  });

  it("the compose check catches a broken start order", () => {
    const doc = {
      services: {
        a: { image: "x:1.0", healthcheck: { test: ["CMD", "true"] }, depends_on: { b: { condition: "service_healthy" }, c: { condition: "service_started" } } },
        b: { image: "y:latest" },
        c: { image: "z:1", healthcheck: { test: ["CMD", "true"] }, depends_on: { nope: { condition: "service_healthy" } } },
      },
    };
    expect([...deploy.checkComposePolicy(doc)].sort()).toEqual(
      [
        "a: depends_on c without a health or completion condition",
        "a: waits for b to be healthy, which has no healthcheck",
        "b: no healthcheck",
        "b: image uses :latest",
        "c: depends_on names unknown service nope",
      ].sort(),
    );
  });
});

describe("deploy/sigstore/init-stack.mjs (the compose stack's keys and TUF repository)", () => {
  const dir = mkdtempSync(join(tmpdir(), "certus-init-stack-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const runInit = (...args: string[]) =>
    spawnSync(process.execPath, ["deploy/sigstore/init-stack.mjs", `--out=${join(dir, "pki")}`, `--tuf-out=${join(dir, "tuf")}`, ...args], {
      encoding: "utf8",
      env: { ...process.env, FULCIO_CA_PASSWORD: "test-password" },
    });

  it("generates a trusted root that @sigstore/verify loads, and a TUF repository tuf-js reads", async () => {
    const r = runInit("--tls-names=fulcio.certus.local,rekor.certus.local");
    expect(r.status, r.stderr).toBe(0);
    const trustedRoot = JSON.parse(readFileSync(join(dir, "pki", "trusted_root.json"), "utf8"));
    const { TrustedRoot } = await import("@sigstore/protobuf-specs");
    const { toTrustMaterial } = await import("@sigstore/verify");
    const material = toTrustMaterial(TrustedRoot.fromJSON(trustedRoot));
    expect(material.certificateAuthorities).toHaveLength(1);
    expect(material.timestampAuthorities).toHaveLength(1);
    expect(material.tlogs).toHaveLength(1);

    // The repository as a TUF client sees it, from a local file server.
    const { createServer } = await import("node:http");
    const server = createServer((req, res) => {
      try {
        res.end(readFileSync(join(dir, "tuf", decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname))));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const port = (server.address() as { port: number }).port;
    try {
      const { Updater } = await import("tuf-js");
      const { copyFileSync, mkdirSync } = await import("node:fs");
      const cache = join(dir, "client");
      mkdirSync(join(cache, "targets"), { recursive: true });
      copyFileSync(join(dir, "pki", "tuf", "root.json"), join(cache, "root.json"));
      const updater = new Updater({
        metadataDir: cache,
        targetDir: join(cache, "targets"),
        metadataBaseUrl: `http://127.0.0.1:${port}`,
        targetBaseUrl: `http://127.0.0.1:${port}/targets`,
      });
      await updater.refresh();
      const info = await updater.getTargetInfo("trusted_root.json");
      expect(info).toBeDefined();
      const path = await updater.downloadTarget(info!);
      expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(trustedRoot);
    } finally {
      server.close();
    }
  });

  it("keeps the keys on a second run, and --refresh-tuf publishes new versions with the same root", () => {
    const before = readFileSync(join(dir, "pki", "fulcio", "root.pem"), "utf8");
    expect(runInit().status).toBe(0);
    expect(readFileSync(join(dir, "pki", "fulcio", "root.pem"), "utf8")).toBe(before);
    const r = runInit("--refresh-tuf");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("root v1, targets v2, snapshot v2, timestamp v2");
    expect(readFileSync(join(dir, "pki", "fulcio", "root.pem"), "utf8")).toBe(before);
  });
});
