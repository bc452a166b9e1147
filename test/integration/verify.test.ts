/**
 * Verify through the public API: the service's own bundles from the digest alone (both formats),
 * exact identities (a look-alike is refused), anchored regular expressions, tampering named by a
 * failure code, batches judged bundle by bundle, and request errors that name the field.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeInnerBundle } from "../helpers/inner-bundle.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

let srv: TestServer;
const ARTIFACT = Buffer.from("release-1.2.3.tar.gz contents");
const DIGEST = `sha256:${createHash("sha256").update(ARTIFACT).digest("hex")}`;
let dsse: WireJson;
let message: WireJson;

async function post(path: string, body: unknown) {
  const res = await fetch(`${srv.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as WireJson };
}
const me = () => ({ subject: "certus-trust@certus.cloud", issuer: srv.url });

beforeAll(async () => {
  srv = await startTestServer();
  dsse = (await post("/v1/sign", { artifact: { digest: DIGEST } })).json.bundle;
  message = (await post("/v1/sign", { artifact: { digest: DIGEST }, format: "SIGNATURE_FORMAT_MESSAGE_SIGNATURE" })).json.bundle;
});
afterAll(async () => {
  await srv?.stop();
});

describe("Verify", () => {
  it("verifies DSSE and message-signature bundles from the digest alone and from the bytes", async () => {
    for (const bundle of [dsse, message]) {
      for (const artifact of [{ digest: DIGEST }, { content: ARTIFACT.toString("base64") }]) {
        const r = await post("/v1/verify", { artifact, bundle, expectedSigner: me() });
        expect(r.status).toBe(200);
        expect(r.json.verified, JSON.stringify(r.json.failures)).toBe(true);
        expect(r.json.failures).toEqual([]);
        expect(r.json.signer).toEqual({ subject: "certus-trust@certus.cloud", issuer: srv.url });
        expect(r.json.entry.uuid).toMatch(/^[0-9a-f]{64}$/);
        expect(r.json.timestamps.map((t: { source: string }) => t.source).sort()).toEqual(["RFC3161", "TLOG"]);
      }
    }
  });

  it("says verified: false with DIGEST_MISMATCH for another artifact", async () => {
    const other = `sha256:${createHash("sha256").update("other").digest("hex")}`;
    for (const bundle of [dsse, message]) {
      const r = await post("/v1/verify", { artifact: { digest: other }, bundle, expectedSigner: me() });
      expect(r.status).toBe(200);
      expect(r.json.verified).toBe(false);
      expect(r.json.failures.map((f: { code: string }) => f.code)).toContain("DIGEST_MISMATCH");
    }
  });

  it("exact means exact: a look-alike identity is SIGNER_MISMATCH, and regexps are anchored", async () => {
    const lookAlike = await makeInnerBundle(srv.server.stack, { identity: "evil-certus-trust@certus.cloud.example", issuer: srv.url, digest: DIGEST });
    const r = await post("/v1/verify", { artifact: { digest: DIGEST }, bundle: lookAlike, expectedSigner: me() });
    expect(r.json.verified).toBe(false);
    expect(r.json.failures[0].code).toBe("SIGNER_MISMATCH");
    expect(r.json.failures[0].message).toMatch(/evil-certus-trust@certus\.cloud\.example/);
    expect(r.json.failures[0].message).toMatch(/certus-trust@certus\.cloud/);
    const rx = await post("/v1/verify", { artifact: { digest: DIGEST }, bundle: lookAlike, expectedSigner: { subjectRegexp: "certus-trust@certus\\.cloud" } });
    expect(rx.json.verified).toBe(false);
    const rxOk = await post("/v1/verify", {
      artifact: { digest: DIGEST },
      bundle: lookAlike,
      expectedSigner: { subjectRegexp: ".*certus-trust@certus\\.cloud.*" },
    });
    expect(rxOk.json.verified).toBe(true);
  });

  it("names the issuer when it differs", async () => {
    const r = await post("/v1/verify", {
      artifact: { digest: DIGEST },
      bundle: dsse,
      expectedSigner: { subject: "certus-trust@certus.cloud", issuer: "https://other.example" },
    });
    expect(r.json.verified).toBe(false);
    expect(r.json.failures.map((f: { code: string }) => f.code)).toContain("ISSUER_MISMATCH");
  });

  it("a tampered signature fails with a code that names it", async () => {
    const bad = structuredClone(message);
    const sig = Buffer.from(bad.messageSignature.signature, "base64");
    sig.writeUInt8(sig.readUInt8(sig.length - 5) ^ 1, sig.length - 5);
    bad.messageSignature.signature = sig.toString("base64");
    const r = await post("/v1/verify", { artifact: { digest: DIGEST }, bundle: bad, expectedSigner: me() });
    expect(r.json.verified).toBe(false);
    expect(r.json.failures.map((f: { code: string }) => f.code)).toContain("SIGNATURE_INVALID");
  });

  it("against the public-good root, the service's bundles do not verify", async () => {
    const r = await post("/v1/verify", { artifact: { digest: DIGEST }, bundle: dsse, expectedSigner: me(), trustRoot: "public-good" });
    expect(r.status).toBe(200);
    expect(r.json.verified).toBe(false);
    // Neither its timestamp authority nor its CA is in the public-good root; the first check to
    // notice (timestamps come first) names the problem.
    expect(["TIMESTAMP_INVALID", "CERT_CHAIN_INVALID"]).toContain(r.json.failures[0].code);
  });

  it("a batch of 100 gets 100 verdicts in order; a malformed bundle among them is BUNDLE_MALFORMED", async () => {
    const bundles = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? dsse : message));
    const malformed = structuredClone(dsse);
    delete malformed.verificationMaterial;
    bundles[37] = malformed;
    const tampered = structuredClone(dsse);
    tampered.dsseEnvelope.payload = Buffer.from("{}").toString("base64");
    bundles[61] = tampered;
    const r = await post("/v1/verify", { artifact: { digest: DIGEST }, bundles, expectedSigner: me() });
    expect(r.status).toBe(200);
    expect(r.json.results).toHaveLength(100);
    expect(r.json.verified).toBe(false);
    r.json.results.forEach((res: { verified: boolean; failures: Array<{ code: string }> }, i: number) => {
      if (i === 37) expect(res.failures.map((f) => f.code)).toEqual(["BUNDLE_MALFORMED"]);
      else if (i === 61) expect(res.verified).toBe(false);
      else expect(res.verified, `bundle ${i}`).toBe(true);
    });
  });

  it("request errors name the field", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ artifact: { digest: DIGEST }, bundle: dsse }, /expectedSigner/],
      [{ artifact: { digest: DIGEST }, expectedSigner: me() }, /bundle/],
      [{ artifact: { digest: "sha256:1" }, bundle: dsse, expectedSigner: me() }, /artifact\.digest/],
      [{ artifact: { digest: DIGEST }, bundle: dsse, expectedSigner: { subjectRegexp: "(" } }, /expectedSigner/],
      [{ artifact: { digest: DIGEST }, bundle: dsse, expectedSigner: me(), trustRoot: "mine" }, /trustRoot/],
    ];
    for (const [body, field] of cases) {
      const r = await post("/v1/verify", body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.json.message).toMatch(field);
    }
  });

  it("a trusted root without validFor.start on its log is TRUST_ROOT_INVALID", async () => {
    const root = ((await (await fetch(`${srv.url}/v1/keys`)).json()) as { trustedRoot: WireJson }).trustedRoot;
    delete root.tlogs[0].publicKey.validFor;
    const r = await post("/v1/verify", { artifact: { digest: DIGEST }, bundle: dsse, expectedSigner: me(), trustedRoot: root });
    expect(r.status).toBe(200);
    expect(r.json.verified).toBe(false);
    expect(r.json.failures[0].code).toBe("TRUST_ROOT_INVALID");
  });

  it("reports the Rekor version and the tree (shard) of the entry", async () => {
    const r = await post("/v1/verify", { artifact: { digest: DIGEST }, bundle: dsse, expectedSigner: me() });
    expect(r.json.entry.rekorVersion).toBe(1);
    expect(r.json.entry.shard).toMatch(/ - \d+$/);
    expect(r.json.entry.shardLogIndex ?? "0").toBe(r.json.entry.logIndex ?? "0");
  });

  it("accepts sha512 and sha384 digests (npm provenance names its subject by sha512 only); a wrong length is an argument error", async () => {
    const fixtures = path.join(import.meta.dirname, "../fixtures/real-world");
    const npm = JSON.parse(readFileSync(path.join(fixtures, "npm-provenance-sha512.sigstore.json"), "utf8"));
    const trustedRoot = JSON.parse(readFileSync(path.join(fixtures, "trusted-root-public-good-2023.json"), "utf8"));
    const sha512 = JSON.parse(Buffer.from(npm.dsseEnvelope.payload, "base64").toString("utf8")).subject[0].digest.sha512;
    const expectedSigner = { subjectRegexp: "https://github\\.com/sigstore/sigstore-js/.*", issuer: "https://token.actions.githubusercontent.com" };
    const ok = await post("/v1/verify", { artifact: { digest: `sha512:${sha512}` }, bundle: npm, expectedSigner, trustedRoot });
    expect(ok.status).toBe(200);
    expect(ok.json.verified, JSON.stringify(ok.json.failures)).toBe(true);
    expect(ok.json.entry).toMatchObject({
      rekorVersion: 1,
      shard: "rekor.sigstore.dev - 2605736670972794746",
      shardLogIndex: "27657874",
      logIndex: "31821305",
    });
    const other = await post("/v1/verify", { artifact: { digest: `sha384:${"ab".repeat(48)}` }, bundle: npm, expectedSigner, trustedRoot });
    expect(other.json.failures.map((f: { code: string }) => f.code)).toEqual(["DIGEST_MISMATCH"]);
    const short = await post("/v1/verify", { artifact: { digest: `sha512:${"ab".repeat(32)}` }, bundle: npm, expectedSigner, trustedRoot });
    expect(short.status).toBe(400);
    expect(short.json.message).toMatch(/artifact\.digest.*128 hex/);
    // Content and a sha512 digest must agree.
    const both = await post("/v1/verify", {
      artifact: { digest: `sha512:${"00".repeat(64)}`, content: ARTIFACT.toString("base64") },
      bundle: dsse,
      expectedSigner: me(),
    });
    expect(both.status).toBe(400);
    expect(both.json.message).toMatch(/artifact\.content/);
  });
});
