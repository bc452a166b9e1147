/**
 * The embedded CT log audited as a CT monitor would (independent code in helpers/ct-monitor.ts
 * and helpers/rfc6962.ts): certificates from the Fulcio endpoint carry an SCT whose signature
 * verifies with the CT key in the trusted root; the leaf it promises is in the log (inclusion
 * proof against a signed STH); two STHs are consistent, across a restart too; get-entries serves
 * that leaf and the precertificate chain.
 */
import { generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { rmSync } from "node:fs";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkConsistency,
  checkInclusion,
  ctLogKey,
  embeddedScts,
  getEntries,
  getSth,
  issuerKeyHash,
  merkleLeafOf,
  precertTbs,
  sctSignatureValid,
  sthSignatureValid,
} from "../helpers/ct-monitor.js";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";

let idp: TestOidcProvider;
let srv: TestServer;
let dataDir: string;

beforeAll(async () => {
  idp = await startOidcProvider();
  dataDir = tempDir("certus-trust-ct-");
  srv = await startTestServer({ "oidc-issuers": idp.issuer }, dataDir);
});
afterAll(async () => {
  await srv?.stop();
  await idp?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function issue(email: string): Promise<Buffer[]> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const res = await fetch(`${srv.url}/api/v2/signingCert`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      credentials: { oidcIdentityToken: await idp.mintIdToken({ email }) },
      publicKeyRequest: {
        publicKey: { algorithm: "ECDSA", content: publicKey.export({ format: "pem", type: "spki" }) },
        proofOfPossession: cryptoSign("sha256", Buffer.from(email), privateKey).toString("base64"),
      },
    }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { signedCertificateEmbeddedSct: { chain: { certificates: string[] } } };
  return body.signedCertificateEmbeddedSct.chain.certificates.map((pem) => Buffer.from(new x509.X509Certificate(pem).rawData));
}

describe("embedded CT log, audited by an independent RFC 6962 monitor", () => {
  it("SCT signature, inclusion in a signed STH, consistency of two STHs (also across a restart), get-entries", async () => {
    const root = (
      (await (await fetch(`${srv.url}/v1/keys`)).json()) as {
        trustedRoot: { ctlogs: { baseUrl: string; publicKey: { rawBytes: string }; logId: { keyId: string } }[] };
      }
    ).trustedRoot;
    expect(root.ctlogs).toHaveLength(1);
    const ctlog = root.ctlogs[0]!;
    const key = ctLogKey(ctlog);
    const logUrl = `${srv.url}${new URL(ctlog.baseUrl).pathname}`;

    const [leaf, intermediate] = await issue("monitor-1@example.com");
    const sth1 = await getSth(logUrl);
    expect(sthSignatureValid(sth1, key)).toBe(true);
    await issue("monitor-2@example.com");
    await issue("monitor-3@example.com");
    const sth2 = await getSth(srv.url); // the current log is also served at /ct/v1/
    expect(sth2.tree_size).toBe(sth1.tree_size + 2);
    expect(sthSignatureValid(sth2, key)).toBe(true);
    expect(sthSignatureValid({ ...sth2, tree_size: sth2.tree_size + 1 }, key)).toBe(false);

    const scts = embeddedScts(leaf!);
    expect(scts).toHaveLength(1);
    const sct = scts[0]!;
    expect(sct.logId.toString("base64")).toBe(ctlog.logId.keyId);
    const tbs = precertTbs(leaf!);
    const keyHash = issuerKeyHash(intermediate!);
    expect(sctSignatureValid(sct, keyHash, tbs, key)).toBe(true);
    expect(sctSignatureValid({ ...sct, timestamp: sct.timestamp + 1n }, keyHash, tbs, key)).toBe(false);

    const merkleLeaf = merkleLeafOf(sct, keyHash, tbs);
    const inclusion = await checkInclusion(logUrl, merkleLeaf, sth2);
    expect(inclusion.ok).toBe(true);
    expect((await checkInclusion(logUrl, merkleLeaf, sth2, (p) => (p[0]![0]! ^= 1))).ok).toBe(false);
    expect(await checkConsistency(logUrl, sth1, sth2)).toBe(true);
    expect(await checkConsistency(logUrl, sth1, { ...sth2, sha256_root_hash: sth1.sha256_root_hash })).toBe(false);

    const { entries } = await getEntries(logUrl, inclusion.index, inclusion.index);
    expect(Buffer.from(entries[0]!.leaf_input, "base64").equals(merkleLeaf)).toBe(true);
    // extra_data: PrecertChainEntry, the precertificate first (3-byte length).
    const extra = Buffer.from(entries[0]!.extra_data, "base64");
    const precert = new x509.X509Certificate(extra.subarray(3, 3 + extra.readUIntBE(0, 3)));
    expect(precert.getExtension("1.3.6.1.4.1.11129.2.4.3")?.critical).toBe(true);
    expect(precert.serialNumber).toBe(new x509.X509Certificate(leaf!).serialNumber);

    // Bad requests are 400s, an unknown leaf 404.
    expect((await fetch(`${logUrl}/ct/v1/get-sth-consistency?first=3&second=1`)).status).toBe(400);
    expect((await fetch(`${logUrl}/ct/v1/get-entries?start=999999&end=999999`)).status).toBe(400);
    expect((await fetch(`${logUrl}/ct/v1/get-proof-by-hash?hash=${encodeURIComponent(Buffer.alloc(32).toString("base64"))}&tree_size=1`)).status).toBe(404);

    // A restart keeps the tree: the new STH is consistent with the old ones.
    await srv.server.close();
    srv = await startTestServer({ "oidc-issuers": idp.issuer }, dataDir);
    const restartedUrl = `${srv.url}${new URL(ctlog.baseUrl).pathname}`;
    await issue("monitor-4@example.com");
    const sth3 = await getSth(restartedUrl);
    expect(sth3.tree_size).toBe(sth2.tree_size + 1);
    expect(await checkConsistency(restartedUrl, sth1, sth3)).toBe(true);
    expect(await checkConsistency(restartedUrl, sth2, sth3)).toBe(true);
  });
});
