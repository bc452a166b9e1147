/**
 * OCI images end to end against a real registry (the CNCF distribution registry, built from its
 * Go module, on a loopback port): crane pushes two small images; `certus-trust attach --sign` has
 * the service sign one image digest as a cosign v3 image signature and attaches the bundle as an
 * OCI 1.1 referrer; `certus-trust attest` + `attach --bundle` adds a SLSA provenance attestation;
 * `certus-trust verify oci://…` reads the referrers back and verifies them on the service. The
 * other image has no valid signature: nothing attached, or the first image's bundle attached to it.
 *
 * cosign `verify` / `verify-attestation` on the same images (default policy, the service's
 * trusted root) pass with no insecure flag, since the certificates carry SCTs from the embedded CT log.
 */
import { execFile, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain .mjs script without declarations
import { COSIGN_VERSION, cosignPath, installedVersion } from "../../scripts/setup-cosign.mjs";
import { ociToolsProblem, pushImage, startRegistry, type TestRegistry } from "../helpers/oci-registry.js";
import { REPO_ROOT, startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import { execFailure } from "../helpers/cli.js";

const problem = ociToolsProblem();
if (problem && process.env["CI"] === "true") throw new Error(`[interop/oci] ${problem}`);
if (problem) console.warn(`[interop/oci] SKIPPED: ${problem}`);

const SERVICE = "certus-trust@certus.cloud";
const COSIGN_SIGN = "https://sigstore.dev/cosign/sign/v1";
const SLSA = "https://slsa.dev/provenance/v1";
const BUNDLE_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, [join(REPO_ROOT, "bin/certus-trust.js"), ...args]).then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), execFailure);

let registry: TestRegistry;
let srv: TestServer;
let work: string;
let imageA: string;
let imageB: string;

describe.skipIf(problem !== undefined)("OCI images against a real registry", () => {
  beforeAll(async () => {
    work = tempDir("certus-trust-oci-");
    const policyFile = join(work, "policies.yaml");
    writeFileSync(
      policyFile,
      `policies:\n  default:\n    attestations:\n      - callers: ["anonymous"]\n        predicateTypes: ["${COSIGN_SIGN}", "${SLSA}"]\n`,
    );
    [registry, srv] = await Promise.all([startRegistry(), startTestServer({ "policy-file": policyFile })]);
    const a = pushImage(registry.host, "team/app", "v1", `image A ${Date.now()}\n`);
    const b = pushImage(registry.host, "team/app", "v2", `image B ${Date.now()}\n`);
    imageA = `oci://${registry.host}/team/app@${a}`;
    imageB = `oci://${registry.host}/team/app@${b}`;
  }, 60_000);
  afterAll(async () => {
    await srv?.stop();
    await registry?.stop();
  });

  const expectSigner = () => ["--server", srv.url, "--subject", SERVICE, "--issuer", srv.url];

  it("attach --sign puts a cosign v3 image signature beside the image; verify oci:// finds and verifies it", async () => {
    const attached = await cli(["attach", imageA, "--sign", "--server", srv.url]);
    expect(attached.code, attached.stderr).toBe(0);
    expect(attached.stdout).toContain(`(${COSIGN_SIGN})`);

    // The image's referrers list it, with cosign's artifact type and annotations. This registry has
    // no referrers API (GET …/referrers/… is 404), so the list is the referrers tag index.
    const digest = imageA.split("@")[1]!;
    expect((await fetch(`http://${registry.host}/v2/team/app/referrers/${digest}`)).status).toBe(404);
    const index = (await (
      await fetch(`http://${registry.host}/v2/team/app/manifests/${digest.replace(":", "-")}`, {
        headers: { accept: "application/vnd.oci.image.index.v1+json" },
      })
    ).json()) as { manifests: Array<{ artifactType: string; annotations?: Record<string, string> }> };
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]!.artifactType).toBe(BUNDLE_TYPE);
    expect(index.manifests[0]!.annotations?.["dev.sigstore.bundle.predicateType"]).toBe(COSIGN_SIGN);
    expect(index.manifests[0]!.annotations?.["dev.sigstore.bundle.content"]).toBe("dsse-envelope");

    const ok = await cli(["verify", imageA, ...expectSigner(), "--predicate-type", COSIGN_SIGN]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^verified: oci:\/\//);
    const wrongSigner = await cli(["verify", imageA, "--server", srv.url, "--subject", "mallory@example.com", "--issuer", srv.url]);
    expect(wrongSigner.code).toBe(1);
    expect(wrongSigner.stdout).toContain("SIGNER_MISMATCH");
  });

  it("another image digest does not verify: nothing attached, or the first image's bundle attached to it", async () => {
    const none = await cli(["verify", imageB, ...expectSigner()]);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain("no Sigstore bundle is attached");
    // Copy A's bundle onto B: the registry accepts it, Verify does not (the statement is about A).
    const bundle = join(work, "a.sigstore.json");
    const signed = await fetch(`${srv.url}/v1/sign`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ artifact: { digest: imageA.split("@")[1] }, statement: { predicateType: COSIGN_SIGN, predicateJson: "{}" } }),
    });
    writeFileSync(bundle, JSON.stringify(((await signed.json()) as { bundle: unknown }).bundle));
    expect((await cli(["attach", imageB, "--bundle", bundle])).code).toBe(0);
    const copied = await cli(["verify", imageB, ...expectSigner()]);
    expect(copied.code).toBe(1);
    expect(copied.stdout).toContain("DIGEST_MISMATCH");
  });

  it("a SLSA provenance attestation attached to the image verifies with its predicate type", async () => {
    const predicate = join(work, "provenance.json");
    writeFileSync(
      predicate,
      JSON.stringify({
        buildDefinition: { buildType: "https://certus.cloud/build/v1" },
        runDetails: { builder: { id: "https://certus.cloud/builders/assurance@v1" } },
      }),
    );
    const bundle = join(work, "provenance.sigstore.json");
    const attested = await cli([
      "attest",
      "--server",
      srv.url,
      "--digest",
      imageA.split("@")[1]!,
      "--uri",
      imageA,
      "--predicate-type",
      SLSA,
      "--predicate",
      predicate,
      "--out",
      bundle,
    ]);
    expect(attested.code, attested.stderr).toBe(0);
    expect((await cli(["attach", imageA, "--bundle", bundle])).code).toBe(0);
    const ok = await cli(["verify", imageA, ...expectSigner(), "--predicate-type", SLSA]);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toContain("2 bundles attached");
    expect(ok.stdout).toContain(`verified, ${SLSA}`);
    const absent = await cli(["verify", imageA, ...expectSigner(), "--predicate-type", "https://certus.cloud/assurance/scan/v1"]);
    expect(absent.code).toBe(1);
    expect(absent.stdout).toContain("PREDICATE_TYPE_MISMATCH");
  });

  it("refuses image references by tag and malformed ones as usage errors", async () => {
    for (const ref of [`oci://${registry.host}/team/app:v1`, `oci://${registry.host}/team/app@sha256:abc`, "oci://team@sha256:" + "0".repeat(64)]) {
      const r = await cli(["verify", ref, ...expectSigner()]);
      expect(r.code, ref).toBe(2);
    }
  });

  const COSIGN: string = cosignPath();
  const cosignProblem =
    installedVersion(COSIGN) === COSIGN_VERSION ? undefined : `cosign ${COSIGN_VERSION} is not built at ${COSIGN}; run \`node scripts/setup-cosign.mjs\``;
  if (cosignProblem && process.env["CI"] === "true") throw new Error(`[interop/oci] ${cosignProblem}`);
  if (cosignProblem) console.warn(`[interop/oci] cosign part SKIPPED: ${cosignProblem}`);
  describe.skipIf(cosignProblem !== undefined)("cosign verify and verify-attestation (default policy)", () => {
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
    const ref = (oci: string) => oci.slice("oci://".length);

    it("pass for the signed image and fail for the other digest", async () => {
      const root = join(work, "trusted_root.json");
      writeFileSync(root, JSON.stringify(((await (await fetch(`${srv.url}/v1/keys`)).json()) as { trustedRoot: unknown }).trustedRoot));
      const common = ["--trusted-root", root, "--certificate-identity", SERVICE, "--certificate-oidc-issuer", srv.url];
      const verified = await cosign(["verify", ...common, ref(imageA)]);
      expect(verified.status, verified.out).toBe(0);
      const attestation = await cosign(["verify-attestation", ...common, "--type", SLSA, ref(imageA)]);
      expect(attestation.status, attestation.out).toBe(0);
      expect((await cosign(["verify", ...common, ref(imageB)])).status).not.toBe(0);
      expect((await cosign(["verify-attestation", ...common, "--type", SLSA, ref(imageB)])).status).not.toBe(0);
      expect(
        (await cosign(["verify", "--trusted-root", root, "--certificate-identity", "mallory@example.com", "--certificate-oidc-issuer", srv.url, ref(imageA)]))
          .status,
      ).not.toBe(0);
    });
  });
});
