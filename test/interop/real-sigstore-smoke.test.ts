import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { startRealSigstore, writeServiceToken, type RealSigstoreStack } from "../helpers/sigstore-stack.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { stockVerify } from "../helpers/sigstore.js";

let idp: TestOidcProvider; let stack: RealSigstoreStack; let svc: TestServer;
const ID = "certus-trust@certus.example";
beforeAll(async () => {
  idp = await startOidcProvider({ idTokenTtlSec: 3600 });
  stack = await startRealSigstore({ idp });
  const token = await writeServiceToken(idp, ID, stack.dir);
  svc = await startTestServer({ mode: "sigstore", "fulcio-url": stack.fulcioUrl, "rekor-url": stack.rekorUrl, "rekor-version": "2", "tsa-url": stack.tsaUrl,
    "trusted-root-file": stack.trustedRootFile, "oidc-token-file": token, identity: ID, issuer: idp.issuer, "verify-workers": "0" });
}, 120_000);
afterAll(async () => { await svc?.stop(); await stack?.stop(); await idp?.stop(); });
it("signs", async () => {
  for (const format of ["SIGNATURE_FORMAT_DSSE", "SIGNATURE_FORMAT_MESSAGE_SIGNATURE"]) {
  const content = Buffer.from(`hello ${format}`); const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
  const t0 = Date.now();
  const res = await fetch(`${svc.url}/v1/sign`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ artifact: { uri: "s3://x/y", digest }, format }) });
  const json: any = await res.json();
  console.log(Date.now() - t0, res.status, JSON.stringify(json).slice(0, 3000));
  expect(res.status).toBe(200);
  const v = await fetch(`${svc.url}/v1/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ artifact: { digest }, bundle: json.bundle, expectedSigner: { subject: ID, issuer: idp.issuer } }) });
  console.log(JSON.stringify(await v.json()).slice(0, 2000));
  stockVerify(stack.trustedRoot, json.bundle, format === "SIGNATURE_FORMAT_DSSE" ? undefined : content, { subjectAlternativeName: ID, extensions: { issuer: idp.issuer } });
  }
}, 60_000);
