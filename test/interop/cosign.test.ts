/**
 * cosign (built from its Go module at the pinned version by scripts/setup-cosign.mjs, cached
 * outside the repository) uses Certus-Trust as its private Sigstore: `sign-blob` against our
 * Fulcio, Rekor and TSA endpoints (through a signing config, cosign v3's way, and through explicit
 * URLs), `verify-blob` with the served trusted root, and `verify-blob` of a bundle our own Sign made.
 *
 * Our CA has no certificate-transparency log, so verification passes `--insecure-ignore-sct`
 * (the trusted root lists no CT logs). When cosign is not built, every test here is skipped and
 * the reason is printed (in CI, where scripts/setup-test-tools.mjs builds it, the file fails
 * instead); run `node scripts/setup-cosign.mjs` to build it.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script without declarations
import { COSIGN_VERSION, cosignPath, installedVersion } from "../../scripts/setup-cosign.mjs";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { skipReason as requirement } from "../helpers/requirement.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";

const COSIGN: string = cosignPath();
const found: string | undefined = installedVersion(COSIGN);
const skipReason = requirement(
  "interop/cosign",
  found === COSIGN_VERSION ? undefined : `cosign ${COSIGN_VERSION} is not built at ${COSIGN} (found: ${found ?? "nothing"}); run \`node scripts/setup-cosign.mjs\` (needs Go >= 1.25)`,
);

/**
 * sigstore-go (cosign's verifier, also run by `sign-blob` on its own bundle) treats a tlog entry as
 * Rekor v1 only when the checkpoint's origin line ends in " - <tree ID>" (as
 * "rekor.sigstore.dev - 1193050959916656506"); otherwise it recomputes a Rekor v2 leaf and the
 * inclusion proof "does not match". Until the embedded log's checkpoints use that origin form,
 * the cosign steps that verify a log entry cannot pass; they are skipped with this reason.
 */
function rekorV1OriginProblem(signedTreeHead: string): string | undefined {
  const origin = signedTreeHead.split("\n")[0] ?? "";
  return / - [0-9]+$/.test(origin)
    ? undefined
    : `KNOWN DEFECT: the log's checkpoint origin ${JSON.stringify(origin)} lacks the Rekor v1 " - <treeID>" suffix, so sigstore-go inside cosign mistakes the entries for Rekor v2 and rejects the inclusion proof (sigstore-go pkg/verify/tlog.go hasRekorV1STH)`;
}

let idp: TestOidcProvider;
let originProblem: string | undefined;
let srv: TestServer;
let work: string;
let trustedRootPath: string;
let signingConfigPath: string;
const EMAIL = "carol@example.com";
/** The only trusted-root media type sigstore-go v1.2 (cosign v3.1) accepts. */
const SIGSTORE_GO_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

/** Runs cosign asynchronously (the server under test runs in this process's event loop). */
function cosign(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(COSIGN, args, {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
      // Keep cosign away from the user's ~/.sigstore and from the public-good TUF repository.
      env: { PATH: process.env["PATH"] ?? "", HOME: work, TUF_ROOT: join(work, "tuf"), SIGSTORE_NO_CACHE: "true" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (status) => resolve({ status, out }));
  });
}

function expectOk(r: { status: number | null; out: string }): void {
  expect(r.status, r.out).toBe(0);
}

describe.skipIf(skipReason !== undefined)(`cosign ${COSIGN_VERSION} against Certus-Trust`, () => {
  beforeAll(async () => {
    work = tempDir("certus-trust-cosign-");
    idp = await startOidcProvider();
    srv = await startTestServer({ "oidc-issuers": idp.issuer });
    const keys = (await (await fetch(`${srv.url}/v1/keys`)).json()) as { trustedRoot: unknown };
    trustedRootPath = join(work, "trusted_root.json");
    // sigstore-go (inside cosign) only loads the media type "…trustedroot+json;version=0.1" (the
    // form the public-good root uses): the served root must carry it, and cosign gets it as served.
    const root = keys.trustedRoot as { mediaType: string };
    expect(root.mediaType).toBe(SIGSTORE_GO_ROOT_MEDIA_TYPE);
    writeFileSync(trustedRootPath, JSON.stringify(root));
    signingConfigPath = join(work, "signing_config.json");
    writeFileSync(signingConfigPath, await (await fetch(`${srv.url}/api/v1/signing-config`)).text());
    originProblem = rekorV1OriginProblem(((await (await fetch(`${srv.url}/api/v1/log`)).json()) as { signedTreeHead: string }).signedTreeHead);
  });
  afterAll(async () => {
    await srv?.stop();
    await idp?.stop();
  });

  /** Skips (saying why) when the log's checkpoints cannot be verified by sigstore-go; see above. */
  /** sigstore-go recognises a Rekor v1 log only by its checkpoint origin; a problem is a failure. */
  const requireRekorV1Origin = (_ctx: unknown) => {
    expect(originProblem).toBeUndefined();
  };

  const verifyArgs = (bundle: string, artifact: string, identity: string, issuer: string) => [
    "verify-blob", "--bundle", bundle, "--trusted-root", trustedRootPath,
    "--certificate-identity", identity, "--certificate-oidc-issuer", issuer, "--insecure-ignore-sct", artifact,
  ];

  it("sign-blob with --signing-config (cosign v3's way), then verify-blob with the served trusted root", async (ctx) => {
    requireRekorV1Origin(ctx);
    const artifact = join(work, "artifact-1.txt");
    writeFileSync(artifact, `cosign interop ${Date.now()}\n`);
    const bundle = join(work, "artifact-1.sigstore.json");
    const token = await idp.mintIdToken({ email: EMAIL });
    expectOk(await cosign(["sign-blob", "--yes", "--signing-config", signingConfigPath, "--trusted-root", trustedRootPath, "--identity-token", token, "--bundle", bundle, artifact]));
    expectOk(await cosign(verifyArgs(bundle, artifact, EMAIL, idp.issuer)));
    // Another identity, another issuer, another artifact: refused.
    expect((await cosign(verifyArgs(bundle, artifact, "mallory@example.com", idp.issuer))).status).not.toBe(0);
    expect((await cosign(verifyArgs(bundle, artifact, EMAIL, "https://issuer.example"))).status).not.toBe(0);
    const other = join(work, "other.txt");
    writeFileSync(other, "not what was signed\n");
    expect((await cosign(verifyArgs(bundle, other, EMAIL, idp.issuer))).status).not.toBe(0);
  });

  it("sign-blob gets a certificate from our Fulcio and logs a hashedrekord entry in our Rekor (whatever the origin)", async () => {
    const artifact = join(work, "artifact-0.txt");
    const bytes = Buffer.from(`cosign reaches the endpoints ${Date.now()}\n`);
    writeFileSync(artifact, bytes);
    const token = await idp.mintIdToken({ email: EMAIL });
    const r = await cosign(["sign-blob", "--yes", "--signing-config", signingConfigPath, "--trusted-root", trustedRootPath, "--identity-token", token, "--bundle", join(work, "artifact-0.sigstore.json"), artifact]);
    if (originProblem) expect(r.out).toContain("verifying inclusion");
    else expectOk(r);
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    const uuids = (await (await fetch(`${srv.url}/api/v1/index/retrieve`, { method: "POST", body: JSON.stringify({ hash: digest }) })).json()) as string[];
    expect(uuids).toHaveLength(1);
    const entry = Object.values((await (await fetch(`${srv.url}/api/v1/log/entries/${uuids[0]}`)).json()) as object)[0] as { body: string };
    const body = JSON.parse(Buffer.from(entry.body, "base64").toString());
    const cert = Buffer.from(body.spec.signature.publicKey.content, "base64").toString();
    expect(cert).toContain("BEGIN CERTIFICATE");
  });

  it("sign-blob with explicit --fulcio-url, --rekor-url, --timestamp-server-url", async (ctx) => {
    requireRekorV1Origin(ctx);
    const artifact = join(work, "artifact-2.txt");
    writeFileSync(artifact, `cosign interop explicit urls ${Date.now()}\n`);
    const bundle = join(work, "artifact-2.sigstore.json");
    const token = await idp.mintIdToken({ email: EMAIL });
    expectOk(await cosign([
      "sign-blob", "--yes", "--use-signing-config=false", "--new-bundle-format", "--trusted-root", trustedRootPath,
      "--fulcio-url", srv.url, "--rekor-url", srv.url, "--timestamp-server-url", `${srv.url}/api/v1/timestamp`,
      "--identity-token", token, "--bundle", bundle, artifact,
    ]));
    expectOk(await cosign(verifyArgs(bundle, artifact, EMAIL, idp.issuer)));
  });

  it("verify-blob --bundle on a message-signature bundle made by our Sign", async (ctx) => {
    requireRekorV1Origin(ctx);
    const artifact = join(work, "artifact-3.txt");
    const bytes = Buffer.from(`signed by certus-trust ${Date.now()}\n`);
    writeFileSync(artifact, bytes);
    const res = await fetch(`${srv.url}/v1/sign`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ artifact: { digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}` }, format: "SIGNATURE_FORMAT_MESSAGE_SIGNATURE" }),
    });
    expect(res.status).toBe(200);
    const bundle = join(work, "artifact-3.sigstore.json");
    writeFileSync(bundle, JSON.stringify(((await res.json()) as { bundle: unknown }).bundle));
    expectOk(await cosign(verifyArgs(bundle, artifact, "certus-trust@certus.cloud", srv.url)));
    expect((await cosign(verifyArgs(bundle, artifact, "certus-trust@certus.cloud.example", srv.url))).status).not.toBe(0);
  });
});
