/**
 * Stock sigstore-js (`sigstore` sign and attest) uses Certus-Trust as its private Sigstore:
 * Fulcio, Rekor and TSA URLs all point at the service, the identity token comes from a real OIDC
 * provider, and the bundles verify with unmodified @sigstore/verify against the served trusted
 * root and with the service's own `POST /v1/verify`. Also the Fulcio endpoint's refusals.
 *
 * The server runs with `--auth api-key`: sigstore-js sends no credential to Rekor, and its entries
 * are admitted because their certificate comes from this instance's CA (compatWrites: gated).
 */
import { createHash, generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { attest, sign } from "sigstore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { SCT_FIXTURE_IDENTITY, SCT_FIXTURE_ISSUER, bundleWithSct } from "../helpers/sct-variants.js";
import { fetchTrustedRoot, stockVerify } from "../helpers/sigstore.js";
import { ApiKeyStore } from "../../src/state/file/api-key-store.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

let idp: TestOidcProvider;
let srv: TestServer;
let trustedRoot: unknown;
const EMAIL = "alice@example.com";
/** An API key for the service's own RPCs and the log's read paths. */
let reader: Record<string, string>;

beforeAll(async () => {
  idp = await startOidcProvider();
  const dataDir = tempDir();
  reader = { "x-api-key": ApiKeyStore.open(dataDir).create("interop-reader", ["verify", "read"]).key };
  srv = await startTestServer({ "oidc-issuers": idp.issuer, auth: "api-key" }, dataDir);
  trustedRoot = await fetchTrustedRoot(srv.url, reader);
});
afterAll(async () => {
  await srv?.stop();
  await idp?.stop();
});

const options = async () => ({
  fulcioURL: srv.url,
  rekorURL: srv.url,
  tsaServerURL: srv.url,
  identityToken: await idp.mintIdToken({ email: EMAIL }),
  retry: 0,
  timeout: 20_000,
});

async function certusVerify(body: unknown): Promise<WireJson> {
  const res = await fetch(`${srv.url}/v1/verify`, { method: "POST", headers: { "content-type": "application/json", ...reader }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}

describe("sigstore-js against Certus-Trust's Sigstore-compatible endpoints", () => {
  it("sign: a message-signature bundle with our certificate, log entry and timestamp verifies", async () => {
    const artifact = Buffer.from(`sigstore-js interop ${Date.now()}\n`);
    const bundle = await sign(artifact, await options());
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    expect(bundle.verificationMaterial.tlogEntries[0]!.kindVersion).toEqual({ kind: "hashedrekord", version: "0.0.1" });
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    const policy = { subjectAlternativeName: EMAIL, extensions: { issuer: idp.issuer } };
    stockVerify(trustedRoot, bundle, artifact, policy);
    expect(() => stockVerify(trustedRoot, bundle, Buffer.from("other"), policy)).toThrow();
    expect(() => stockVerify(trustedRoot, bundle, artifact, { subjectAlternativeName: "mallory@example.com" })).toThrow();

    const digest = `sha256:${createHash("sha256").update(artifact).digest("hex")}`;
    const verdict = await certusVerify({ artifact: { digest }, bundle, expectedSigner: { subject: EMAIL, issuer: idp.issuer } });
    expect(verdict.verified, JSON.stringify(verdict.failures)).toBe(true);
    const wrong = await certusVerify({ artifact: { digest }, bundle, expectedSigner: { subject: "bob@example.com", issuer: idp.issuer } });
    expect(wrong.verified).toBe(false);

    // The log indexed the artifact digest.
    const uuids = await (await fetch(`${srv.url}/api/v1/index/retrieve`, { method: "POST", headers: reader, body: JSON.stringify({ hash: digest }) })).json();
    expect(uuids).toHaveLength(1);
  });

  it("attest: a DSSE bundle over an in-toto statement verifies (stock and POST /v1/verify)", async () => {
    const subjectDigest = createHash("sha256").update("the attested artifact").digest("hex");
    const statement = Buffer.from(
      JSON.stringify({
        _type: "https://in-toto.io/Statement/v1",
        subject: [{ name: "artifact.tar.gz", digest: { sha256: subjectDigest } }],
        predicateType: "https://slsa.dev/provenance/v1",
        predicate: { buildDefinition: { buildType: "https://example.com/build" } },
      }),
    );
    const bundle = await attest(statement, "application/vnd.in-toto+json", await options());
    expect(bundle.verificationMaterial.tlogEntries[0]!.kindVersion).toEqual({ kind: "dsse", version: "0.0.1" });
    stockVerify(trustedRoot, bundle, undefined, { subjectAlternativeName: EMAIL, extensions: { issuer: idp.issuer } });
    const verdict = await certusVerify({ artifact: { digest: `sha256:${subjectDigest}` }, bundle, expectedSigner: { subject: EMAIL, issuer: idp.issuer } });
    expect(verdict.verified, JSON.stringify(verdict.failures)).toBe(true);
  });
});

describe("embedded SCTs on the default verification policy", () => {
  it("a leaf with a valid SCT verifies; with the SCT removed or altered, @sigstore/verify and POST /v1/verify refuse it", async () => {
    const artifact = Buffer.from(`sct variants ${Date.now()}\n`);
    const digest = `sha256:${createHash("sha256").update(artifact).digest("hex")}`;
    const policy = { subjectAlternativeName: SCT_FIXTURE_IDENTITY, extensions: { issuer: SCT_FIXTURE_ISSUER } };
    const expectedSigner = { subject: SCT_FIXTURE_IDENTITY, issuer: SCT_FIXTURE_ISSUER };
    const valid = await bundleWithSct(srv, "valid", artifact);
    stockVerify(trustedRoot, valid, artifact, policy);
    const ok = await certusVerify({ artifact: { digest }, bundle: valid, expectedSigner });
    expect(ok.verified, JSON.stringify(ok.failures)).toBe(true);
    for (const variant of ["removed", "altered"] as const) {
      const bundle = await bundleWithSct(srv, variant, artifact);
      expect(() => stockVerify(trustedRoot, bundle, artifact, policy), variant).toThrow(/SCT/);
      const verdict = await certusVerify({ artifact: { digest }, bundle, expectedSigner });
      expect(verdict.verified, variant).toBe(false);
      expect(
        verdict.failures.map((f: { code: string }) => f.code),
        variant,
      ).toEqual(["SCT_INVALID"]);
    }
  });
});

describe("Fulcio v2-compatible endpoint", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicPem = publicKey.export({ format: "pem", type: "spki" }).toString();
  const request = (token: string, challenge: string) => ({
    credentials: { oidcIdentityToken: token },
    publicKeyRequest: {
      publicKey: { algorithm: "ECDSA", content: publicPem },
      proofOfPossession: cryptoSign("sha256", Buffer.from(challenge), privateKey).toString("base64"),
    },
  });
  const signingCert = async (base: string, body: unknown) => {
    const res = await fetch(`${base}/api/v2/signingCert`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as WireJson };
  };

  it("issues leaf + intermediate + root for a verified token; SAN and issuer come from the token", async () => {
    const r = await signingCert(srv.url, request(await idp.mintIdToken({ email: EMAIL }), EMAIL));
    expect(r.status).toBe(200);
    // As Fulcio with a CT log: the SCT is embedded in the leaf.
    expect(r.json.signedCertificateDetachedSct).toBeUndefined();
    const chain = r.json.signedCertificateEmbeddedSct.chain.certificates as string[];
    expect(chain).toHaveLength(3);
    const leaf = new x509.X509Certificate(chain[0]!);
    expect(leaf.getExtension(x509.SubjectAlternativeNameExtension)!.names.items.map((n) => n.value)).toEqual([EMAIL]);
    expect(Buffer.from(leaf.getExtension("1.3.6.1.4.1.57264.1.1")!.value).toString()).toBe(idp.issuer);
    expect(leaf.getExtension("1.3.6.1.4.1.11129.2.4.2")).not.toBeNull();
    expect(leaf.getExtension("1.3.6.1.4.1.11129.2.4.3")).toBeNull();
    const bundle = (await (await fetch(`${srv.url}/api/v2/trustBundle`)).json()) as WireJson;
    expect(bundle.chains[0].certificates).toEqual(chain.slice(1));
    const config = (await (await fetch(`${srv.url}/api/v2/configuration`)).json()) as WireJson;
    expect(config.issuers).toEqual([expect.objectContaining({ issuerUrl: idp.issuer, audience: "sigstore", challengeClaim: "email" })]);
  });

  it("a PKCS#10 CSR is its own proof of possession", async () => {
    const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: "CN=ignored", keys, signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } });
    const r = await signingCert(srv.url, {
      credentials: { oidcIdentityToken: await idp.mintIdToken({ email: EMAIL }) },
      certificateSigningRequest: Buffer.from(csr.toString("pem")).toString("base64"),
    });
    expect(r.status).toBe(200);
  });

  it("refuses in Fulcio's error shape: bad token 401, wrong proof 400, foreign issuer 401", async () => {
    const token = await idp.mintIdToken({ email: EMAIL });
    const badToken = await signingCert(srv.url, request(`${token.slice(0, -4)}AAAA`, EMAIL));
    expect(badToken.status).toBe(401);
    expect(badToken.json).toEqual({ code: 16, message: expect.any(String), details: [] });
    const wrongProof = await signingCert(srv.url, request(token, "someone-else@example.com"));
    expect(wrongProof.status).toBe(400);
    expect(wrongProof.json.code).toBe(3);
    const other = await startOidcProvider();
    try {
      expect((await signingCert(srv.url, request(await other.mintIdToken({ email: EMAIL }), EMAIL))).status).toBe(401);
    } finally {
      await other.stop();
    }
    expect((await signingCert(srv.url, { credentials: {} })).status).toBe(401);
    const notJson = await fetch(`${srv.url}/api/v2/signingCert`, { method: "POST", body: "{" });
    expect(notJson.status).toBe(400);
  });

  it("with no issuer configured, signingCert refuses (403) whatever the token", async () => {
    const bare = await startTestServer();
    try {
      const r = await signingCert(bare.url, request(await idp.mintIdToken({ email: EMAIL }), EMAIL));
      expect(r.status).toBe(403);
      expect(r.json).toEqual({ code: 7, message: expect.stringContaining("oidcIssuers"), details: [] });
    } finally {
      await bare.stop();
    }
  });
});
