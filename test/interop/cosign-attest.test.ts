/**
 * cosign `verify-blob-attestation` accepts a caller attestation signed by our Sign, on cosign's
 * default policy (SCTs required) with the served trusted root: right predicate type, identity and
 * blob pass; another type, identity or blob fails.
 *
 * It passes on cosign's default policy because the embedded CA's certificates carry SCTs from the
 * embedded CT log listed in the trusted root. cosign itself is built by scripts/setup-cosign.mjs;
 * when it is not built the suite skips, and fails under CI=true, like the other cosign tests.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script without declarations
import { COSIGN_VERSION, cosignPath, installedVersion } from "../../scripts/setup-cosign.mjs";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";

const COSIGN: string = cosignPath();
const found: string | undefined = installedVersion(COSIGN);
const notBuilt =
  found === COSIGN_VERSION
    ? undefined
    : `cosign ${COSIGN_VERSION} is not built at ${COSIGN} (found: ${found ?? "nothing"}); run \`node scripts/setup-cosign.mjs\``;
if (notBuilt && process.env["CI"] === "true") throw new Error(`[interop/cosign-attest] ${notBuilt}`);
if (notBuilt) console.warn(`[interop/cosign-attest] SKIPPED: ${notBuilt}`);

const SLSA = "https://slsa.dev/provenance/v1";
const SERVICE = "certus-trust@certus.cloud";

let srv: TestServer;
let work: string;
let trustedRootPath: string;

function cosign(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(COSIGN, args, {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
      env: { PATH: process.env["PATH"] ?? "", HOME: work, TUF_ROOT: join(work, "tuf"), SIGSTORE_NO_CACHE: "true" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (status) => resolve({ status, out }));
  });
}

describe.skipIf(notBuilt !== undefined)(`cosign ${COSIGN_VERSION} verify-blob-attestation of a caller attestation`, () => {
  beforeAll(async () => {
    work = tempDir("certus-trust-cosign-attest-");
    const policyFile = join(work, "policies.yaml");
    writeFileSync(policyFile, `policies:\n  default:\n    attestations:\n      - callers: ["anonymous"]\n        predicateTypes: ["${SLSA}"]\n`);
    srv = await startTestServer({ "policy-file": policyFile });
    trustedRootPath = join(work, "trusted_root.json");
    writeFileSync(trustedRootPath, JSON.stringify(((await (await fetch(`${srv.url}/v1/keys`)).json()) as { trustedRoot: unknown }).trustedRoot));
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it("passes for the signed blob, type and identity on the default policy; fails for others", async () => {
    const blob = join(work, "app.tgz");
    const bytes = Buffer.from(`an artifact ${Date.now()}\n`);
    writeFileSync(blob, bytes);
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    const res = await fetch(`${srv.url}/v1/sign`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        artifact: { digest, uri: "https://downloads.example/app.tgz" },
        statement: {
          predicateType: SLSA,
          predicateJson: JSON.stringify({
            buildDefinition: { buildType: "https://certus.cloud/build/v1" },
            runDetails: { builder: { id: "https://certus.cloud/builders/assurance@v1" } },
          }),
        },
      }),
    });
    const signed = (await res.json()) as { bundle: unknown; signer: { issuer: string } };
    expect(res.status, JSON.stringify(signed)).toBe(200);
    const bundle = join(work, "app.intoto.sigstore.json");
    writeFileSync(bundle, JSON.stringify(signed.bundle));
    const args = (type: string, identity: string, file: string) => [
      "verify-blob-attestation",
      "--bundle",
      bundle,
      "--new-bundle-format",
      "--trusted-root",
      trustedRootPath,
      "--type",
      type,
      "--certificate-identity",
      identity,
      "--certificate-oidc-issuer",
      signed.signer.issuer,
      file,
    ];
    const ok = await cosign(args(SLSA, SERVICE, blob));
    expect(ok.status, ok.out).toBe(0);
    expect((await cosign(args("https://certus.cloud/assurance/scan/v1", SERVICE, blob))).status).not.toBe(0);
    expect((await cosign(args(SLSA, "mallory@example.com", blob))).status).not.toBe(0);
    const other = join(work, "other.tgz");
    writeFileSync(other, "not what was attested\n");
    expect((await cosign(args(SLSA, SERVICE, other))).status).not.toBe(0);
  });
});
