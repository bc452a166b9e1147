/**
 * Restart recovery on the real Sigstore stack (test/helpers/sigstore-stack.ts) with Fulcio on a
 * file CA (`--ca fileca`) and the timestamp-authority on a file signer (`--timestamp-signer
 * file`), so that each comes back from a restart as the same authority, as in production.
 *
 * - Fulcio stopped: a service that holds no certificate yet answers Sign `unavailable` naming
 *   Fulcio; Fulcio restarted: the same service signs again without a restart of its own, with a
 *   certificate the restarted Fulcio issued, chaining to the same root the trusted root (written
 *   before the restart) lists; Fulcio's trust bundle is unchanged.
 * - The TSA stopped: Sign answers `unavailable` naming it; restarted: Sign resumes, and the new
 *   bundles' RFC 3161 timestamps verify against the TSA chain the trusted root listed before.
 *
 * Bundles are checked by our Verify and unmodified `@sigstore/verify` (one SCT, one log entry, one
 * timestamp). When the servers are not built, the tests fail with CI=true and skip otherwise.
 */
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { skipReason } from "../helpers/requirement.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { realSigstoreMissing, startRealSigstoreWhenFree, writeServiceToken, type RealSigstoreStack } from "../helpers/sigstore-stack.js";
import type { WireJson } from "../helpers/wire-json.js";

const missing = skipReason("interop/real-sigstore-restart", realSigstoreMissing());

const IDENTITY = "certus-trust@certus.example";
let idp: TestOidcProvider;
let stack: RealSigstoreStack;
const services: TestServer[] = [];

beforeAll(async () => {
  if (missing) return;
  idp = await startOidcProvider({ idTokenTtlSec: 3600 });
  stack = await startRealSigstoreWhenFree({ idp, fulcioCa: "file", tsaSigner: "file" });
}, 420_000);

afterAll(async () => {
  for (const s of services) await s.stop();
  await stack?.stop();
  await idp?.stop();
});

/** A fresh service in sigstore mode on the stack: it holds no Fulcio certificate yet. */
async function newService(): Promise<TestServer> {
  const token = await writeServiceToken(idp, IDENTITY, stack.dir);
  const svc = await startTestServer({
    mode: "sigstore",
    "fulcio-url": stack.fulcioUrl,
    "rekor-url": stack.rekorUrl,
    "rekor-version": "2",
    "rekor-read-url": stack.rekorReadUrl,
    "tsa-url": stack.tsaUrl,
    "trusted-root-file": stack.trustedRootFile,
    "oidc-token-file": token,
    identity: IDENTITY,
    issuer: idp.issuer,
    "upstream-deadline-ms": "3000",
    "verify-workers": "0",
  });
  services.push(svc);
  return svc;
}

async function sign(svc: TestServer, text: string) {
  const content = Buffer.from(text);
  const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
  const res = await fetch(`${svc.url}/v1/sign`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ artifact: { uri: `s3://certus-artifacts/${text}`, digest }, format: "SIGNATURE_FORMAT_MESSAGE_SIGNATURE" }),
  });
  return { status: res.status, json: (await res.json()) as WireJson, headers: res.headers, content, digest };
}

/** Signs until it succeeds (the service's breakers probe every 2 s) or 30 s pass. */
async function signUntilOk(svc: TestServer, label: string) {
  const until = Date.now() + 30_000;
  let r = await sign(svc, `${label}-${Date.now()}`);
  while (r.status !== 200 && Date.now() < until) {
    await new Promise((res) => setTimeout(res, 500));
    r = await sign(svc, `${label}-${Date.now()}`);
  }
  return r;
}

/** Our Verify and unmodified @sigstore/verify, with the trusted root written when the stack started. */
async function verifyBoth(svc: TestServer, r: Awaited<ReturnType<typeof sign>>): Promise<void> {
  const verdict = await fetch(`${svc.url}/v1/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ artifact: { digest: r.digest }, bundle: r.json.bundle, expectedSigner: { subject: IDENTITY, issuer: idp.issuer } }),
  });
  const v = (await verdict.json()) as WireJson;
  expect(v.verified, JSON.stringify(v.failures)).toBe(true);
  const root = TrustedRoot.fromJSON(JSON.parse(readFileSync(stack.trustedRootFile, "utf8")));
  const verifier = new Verifier(toTrustMaterial(root), { ctlogThreshold: 1, tlogThreshold: 1, timestampThreshold: 1 });
  verifier.verify(toSignedEntity(bundleFromJSON(r.json.bundle), r.content), { subjectAlternativeName: IDENTITY, extensions: { issuer: idp.issuer } });
}

const trustedRootCerts = (kind: "certificateAuthorities" | "timestampAuthorities"): X509Certificate[] =>
  (stack.trustedRoot[kind] as { certChain: { certificates: { rawBytes: string }[] } }[]).flatMap((a) =>
    a.certChain.certificates.map((c) => new X509Certificate(Buffer.from(c.rawBytes, "base64"))),
  );

describe.skipIf(missing !== undefined)("restart recovery on the real Sigstore stack (Fulcio file CA, TSA file signer)", () => {
  it("Fulcio stopped and restarted: signing resumes with certificates chaining to the same root in the trusted root", async () => {
    const bundleBefore = await (await fetch(`${stack.fulcioUrl}/api/v2/trustBundle`)).text();
    await stack.stopFulcio();
    // A service that holds no certificate cannot sign without Fulcio, and says which upstream is missing.
    const svc = await newService();
    const down = await sign(svc, `restart-fulcio-down-${Date.now()}`);
    expect(down.status, JSON.stringify(down.json)).toBe(503);
    expect(down.json.code).toBe("unavailable");
    expect(down.json.message).toMatch(/fulcio/i);
    expect(down.json.bundle).toBeUndefined();

    await stack.startFulcio();
    expect(await (await fetch(`${stack.fulcioUrl}/api/v2/trustBundle`)).text()).toBe(bundleBefore);
    const r = await signUntilOk(svc, "restart-fulcio-back");
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    // The certificate came from the restarted Fulcio (this service had none) and chains to the root listed before the restart.
    const leaf = new X509Certificate(Buffer.from(r.json.bundle.verificationMaterial.certificate.rawBytes as string, "base64"));
    const roots = trustedRootCerts("certificateAuthorities");
    expect(roots).toHaveLength(1);
    expect(leaf.verify(roots[0]!.publicKey)).toBe(true);
    expect(leaf.issuer).toBe(roots[0]!.subject);
    await verifyBoth(svc, r);
  });

  it("the TSA stopped and restarted: Sign resumes, and the timestamps verify against the same TSA chain", async () => {
    const svc = await newService();
    const before = await signUntilOk(svc, "restart-tsa-before");
    expect(before.status, JSON.stringify(before.json)).toBe(200);
    const chainBefore = await (await fetch(`${stack.tsaUrl}/api/v1/timestamp/certchain`)).text();

    await stack.stopTsa();
    const down = await sign(svc, `restart-tsa-down-${Date.now()}`);
    expect(down.status, JSON.stringify(down.json)).toBe(503);
    expect(down.json.code).toBe("unavailable");
    expect(down.json.message).toMatch(/^tsa: /);
    expect(down.headers.get("retry-after")).toMatch(/^\d+$/);

    await stack.startTsa();
    expect(await (await fetch(`${stack.tsaUrl}/api/v1/timestamp/certchain`)).text()).toBe(chainBefore);
    const r = await signUntilOk(svc, "restart-tsa-back");
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const stamps = r.json.bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps as unknown[];
    expect(stamps).toHaveLength(1);
    // The chain the trusted root lists is the file signer's: leaf with the timestamping EKU, then its root.
    const tsaCerts = trustedRootCerts("timestampAuthorities");
    expect(tsaCerts.map((c) => c.subject)).toEqual(["CN=Certus Test Timestamping\nO=Certus TAP (test)", "CN=Certus Test TSA Root\nO=Certus TAP (test)"]);
    // @sigstore/verify with timestampThreshold 1 checks the RFC 3161 signature against that chain.
    await verifyBoth(svc, r);
    await verifyBoth(svc, before);
  });
});
