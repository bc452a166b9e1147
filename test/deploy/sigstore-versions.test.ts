/**
 * docker-compose.yml runs the Sigstore servers at the versions the interop tests build and start
 * (scripts/setup-sigstore-servers.mjs), and the Helm chart's sigstore keys are options the
 * service knows (src/config.ts), so the deployments stay what the tests exercise.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script without declarations
import { SIGSTORE_SERVERS } from "../../scripts/setup-sigstore-servers.mjs";
import { OPTIONS } from "../../src/config/config.js";
import { REPO_ROOT } from "../helpers/server.js";

const servers = SIGSTORE_SERVERS as Record<string, { version: string }>;

describe("deployments match the tested Sigstore servers", () => {
  it("docker-compose.yml pins the versions the tests run", () => {
    const compose = readFileSync(join(REPO_ROOT, "docker-compose.yml"), "utf8");
    const tag = (image: string) => new RegExp(`image: ${image.replace(/[/.]/g, "\\$&")}:(\\S+)`).exec(compose)?.[1];
    expect(tag("ghcr.io/sigstore/fulcio")).toBe(servers["fulcio"]!.version);
    expect(tag("ghcr.io/sigstore/rekor-tiles/posix")).toBe(servers["rekor-tiles"]!.version);
    expect(tag("ghcr.io/sigstore/timestamp-server")).toBe(servers["timestamp-server"]!.version);
    // Fulcio's CT log is built from the Go module the tests build, at the same version.
    const ctlog = readFileSync(join(REPO_ROOT, "deploy/ctlog/Dockerfile"), "utf8");
    expect(ctlog).toContain(`go install github.com/transparency-dev/tesseract/cmd/tesseract/posix@${servers["tesseract"]!.version}`);
    expect(compose).toMatch(/--ct-log-url=http:\/\/ctlog:6962/);
    // The service reads Rekor v2's tiles through the gateway.
    expect(compose).toMatch(/CERTUS_TRUST_REKOR_READ_URL: https:\/\/rekor\.certus\.local/);
  });

  it("the chart's sigstore keys are service options", () => {
    const template = readFileSync(join(REPO_ROOT, "k8s/certus-trust/templates/configmap.yaml"), "utf8");
    const keys = [...template.matchAll(/^\s{4}([a-zA-Z]+): \{\{/gm)].map((m) => m[1]!);
    const known = new Set(OPTIONS.map((o) => o.key as string));
    expect(keys).toEqual(expect.arrayContaining(["rekorUrl", "rekorReadUrl", "checkpointPollMs"]));
    for (const k of keys) expect(known.has(k), k).toBe(true);
  });
});
