/**
 * sigstore-python (pinned in scripts/setup-tools.mjs, installed into .cache/sigstore-venv by the
 * `pretest` step) as a third stock client, on its default verification policy, configured with
 * one file: the client trust config that `certus-trust keys --client-trust-config` writes.
 *
 * - It verifies `Sign`'s bundles (DSSE and message signature) offline.
 * - It signs (`sign` and `attest`) against the embedded Fulcio, Rekor and TSA endpoints with a
 *   token from the test OIDC provider; its bundles verify with sigstore-python itself, with
 *   @sigstore/verify and with our `POST /v1/verify`.
 * - It refuses a leaf whose SCT is removed or altered.
 *
 * When sigstore-python is not installed the tests skip saying why, except under CI=true, where
 * a missing client fails the suite.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script without declarations
import { SIGSTORE_PYTHON, sigstoreCli } from "../../scripts/setup-tools.mjs";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { SCT_FIXTURE_IDENTITY, SCT_FIXTURE_ISSUER, bundleWithSct } from "../helpers/sct-variants.js";
import { stockVerify } from "../helpers/sigstore.js";
import { REPO_ROOT, startTestServer, tempDir, type TestServer } from "../helpers/server.js";

const SIGSTORE: string = sigstoreCli;
const skipReason = existsSync(SIGSTORE)
  ? undefined
  : `${SIGSTORE_PYTHON} is not installed at ${SIGSTORE}; run \`node scripts/setup-tools.mjs --sigstore-python\``;
if (skipReason && process.env["CI"] === "true") throw new Error(`[interop/sigstore-python] ${skipReason} (CI=true: a missing client fails the suite)`);
if (skipReason) console.warn(`[interop/sigstore-python] SKIPPED: ${skipReason}`);

const EMAIL = "dave@example.com";
const SERVICE = "certus-trust@certus.cloud";
let idp: TestOidcProvider;
let srv: TestServer;
let work: string;
let config: string;

/** Runs sigstore-python asynchronously (the server under test runs in this event loop). */
function sigstore(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(SIGSTORE, ["--trust-config", config, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
      // No ambient identity or cached trust material from the user's environment.
      env: { PATH: process.env["PATH"] ?? "", HOME: work, XDG_CACHE_HOME: join(work, "cache"), XDG_DATA_HOME: join(work, "data") },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (status) => resolve({ status, out }));
  });
}

const verifyIdentity = (bundle: string, file: string, identity: string, issuer: string) =>
  sigstore(["verify", "identity", "--offline", "--bundle", bundle, "--cert-identity", identity, "--cert-oidc-issuer", issuer, file]);

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function certusVerify(body: unknown): Promise<{ verified: boolean; failures: { code: string }[] }> {
  const res = await fetch(`${srv.url}/v1/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as { verified: boolean; failures: { code: string }[] };
}

describe.skipIf(skipReason !== undefined)(`${SIGSTORE_PYTHON} against Certus-Trust`, () => {
  beforeAll(async () => {
    work = tempDir("certus-trust-sigstore-python-");
    idp = await startOidcProvider();
    srv = await startTestServer({ "oidc-issuers": idp.issuer });
    // The one file a user downloads, written by the CLI as documented.
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(REPO_ROOT, "bin/certus-trust.js"),
      "keys",
      "--client-trust-config",
      "--server",
      srv.url,
    ]);
    const parsed = JSON.parse(stdout) as { mediaType: string; trustedRoot: { ctlogs: unknown[] }; signingConfig: { caUrls: { url: string }[] } };
    expect(parsed.mediaType).toBe("application/vnd.dev.sigstore.clienttrustconfig.v0.1+json");
    expect(parsed.trustedRoot.ctlogs).toHaveLength(1);
    expect(parsed.signingConfig.caUrls[0]!.url).toBe(srv.url);
    config = join(work, "trust-config.json");
    writeFileSync(config, stdout);
  });
  afterAll(async () => {
    await srv?.stop();
    await idp?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("verifies Sign's message-signature and DSSE bundles offline with the client trust config", async () => {
    const bytes = Buffer.from(`signed by certus-trust for sigstore-python ${Date.now()}\n`);
    const artifact = join(work, "sign-artifact.txt");
    writeFileSync(artifact, bytes);
    const other = join(work, "other.txt");
    writeFileSync(other, "not what was signed\n");
    for (const format of ["SIGNATURE_FORMAT_MESSAGE_SIGNATURE", "SIGNATURE_FORMAT_DSSE"]) {
      const res = await fetch(`${srv.url}/v1/sign`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ artifact: { uri: "file://sign-artifact.txt", digest: `sha256:${sha256(bytes)}` }, format }),
      });
      expect(res.status).toBe(200);
      const bundle = join(work, `sign-${format}.sigstore.json`);
      writeFileSync(bundle, JSON.stringify(((await res.json()) as { bundle: unknown }).bundle));
      const ok = await verifyIdentity(bundle, artifact, SERVICE, srv.url);
      expect(ok.status, `${format}: ${ok.out}`).toBe(0);
      expect((await verifyIdentity(bundle, artifact, `${SERVICE}.example`, srv.url)).status, format).not.toBe(0);
      expect((await verifyIdentity(bundle, artifact, SERVICE, "https://issuer.example")).status, format).not.toBe(0);
      expect((await verifyIdentity(bundle, other, SERVICE, srv.url)).status, format).not.toBe(0);
    }
  });

  it("sign: a bundle from the embedded Fulcio, Rekor and TSA verifies with sigstore-python, @sigstore/verify and POST /v1/verify", async () => {
    const bytes = Buffer.from(`sigstore-python signs ${Date.now()}\n`);
    const artifact = join(work, "py-artifact.txt");
    writeFileSync(artifact, bytes);
    const bundle = join(work, "py-artifact.sigstore.json");
    const signed = await sigstore(["sign", "--identity-token", await idp.mintIdToken({ email: EMAIL }), "--bundle", bundle, artifact]);
    expect(signed.status, signed.out).toBe(0);
    expect((await verifyIdentity(bundle, artifact, EMAIL, idp.issuer)).status).toBe(0);
    expect((await verifyIdentity(bundle, artifact, "mallory@example.com", idp.issuer)).status).not.toBe(0);
    const json = JSON.parse(readFileSync(bundle, "utf8")) as {
      verificationMaterial: { tlogEntries: { kindVersion: unknown }[]; timestampVerificationData?: { rfc3161Timestamps?: unknown[] } };
    };
    expect(json.verificationMaterial.tlogEntries[0]!.kindVersion).toEqual({ kind: "hashedrekord", version: "0.0.1" });
    expect(json.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    const root = (JSON.parse(readFileSync(config, "utf8")) as { trustedRoot: unknown }).trustedRoot;
    stockVerify(root, json, bytes, { subjectAlternativeName: EMAIL, extensions: { issuer: idp.issuer } });
    const verdict = await certusVerify({
      artifact: { digest: `sha256:${sha256(bytes)}` },
      bundle: json,
      expectedSigner: { subject: EMAIL, issuer: idp.issuer },
    });
    expect(verdict.verified, JSON.stringify(verdict.failures)).toBe(true);
  });

  it("attest: a DSSE bundle over an in-toto statement verifies with sigstore-python and POST /v1/verify", async () => {
    const bytes = Buffer.from(`sigstore-python attests ${Date.now()}\n`);
    const artifact = join(work, "py-attested.txt");
    writeFileSync(artifact, bytes);
    const predicate = join(work, "predicate.json");
    writeFileSync(
      predicate,
      JSON.stringify({
        buildDefinition: { buildType: "https://example.com/build", externalParameters: {} },
        runDetails: { builder: { id: "https://example.com/builder" } },
      }),
    );
    const bundle = join(work, "py-attested.sigstore.json");
    const signed = await sigstore([
      "attest",
      "--predicate-type",
      "https://slsa.dev/provenance/v1",
      "--predicate",
      predicate,
      "--identity-token",
      await idp.mintIdToken({ email: EMAIL }),
      "--bundle",
      bundle,
      artifact,
    ]);
    expect(signed.status, signed.out).toBe(0);
    expect((await verifyIdentity(bundle, artifact, EMAIL, idp.issuer)).status).toBe(0);
    const json = JSON.parse(readFileSync(bundle, "utf8")) as { dsseEnvelope?: unknown };
    expect(json.dsseEnvelope).toBeDefined();
    const verdict = await certusVerify({
      artifact: { digest: `sha256:${sha256(bytes)}` },
      bundle: json,
      expectedSigner: { subject: EMAIL, issuer: idp.issuer },
    });
    expect(verdict.verified, JSON.stringify(verdict.failures)).toBe(true);
  });

  it("a valid embedded SCT passes; removed or altered, sigstore-python refuses the bundle", async () => {
    const bytes = Buffer.from(`sct variants for sigstore-python ${Date.now()}\n`);
    const artifact = join(work, "sct-artifact.txt");
    writeFileSync(artifact, bytes);
    for (const variant of ["valid", "removed", "altered"] as const) {
      const bundle = join(work, `sct-${variant}.sigstore.json`);
      writeFileSync(bundle, JSON.stringify(await bundleWithSct(srv, variant, bytes)));
      const r = await verifyIdentity(bundle, artifact, SCT_FIXTURE_IDENTITY, SCT_FIXTURE_ISSUER);
      if (variant === "valid") expect(r.status, r.out).toBe(0);
      else {
        expect(r.status, `${variant}: ${r.out}`).not.toBe(0);
        expect(r.out, variant).toMatch(/SCT|timestamp|precertificate/i);
      }
    }
  });
});
