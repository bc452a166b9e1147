/**
 * The external Sigstore mode end to end, with two instances: A runs embedded (its Fulcio,
 * Rekor v1 and TSA endpoints and its TUF repository are a real private Sigstore) and trusts the
 * test OIDC provider; B runs with `mode: sigstore` against A, with its own identity from a
 * client-credentials token of the same provider. B's bundles verify with A's Verify and with
 * stock @sigstore/verify. Then A stops: B answers `unavailable` within its deadline and its
 * readiness names the component; A restarts on the same port and data, and B recovers by itself.
 * B's GetTransparency reads A's Rekor v1 API (entries by index, UUID and digest, consistency
 * proofs, the latest checkpoint), each answer checked against A's signed checkpoints.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { HealthCheckRequestSchema, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus } from "@certus/trust-sdk/gen/grpc/health/v1/health_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcClient, grpcUnary } from "../helpers/grpc.js";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { hashLeaf, verifyConsistency, verifyInclusion } from "../helpers/rfc6962.js";
import { fetchTrustedRoot, stockVerify } from "../helpers/sigstore.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

const B_CLIENT = { clientId: "https://ci.certus.example/workloads/certus-trust-b", clientSecret: `b-secret-${Date.now()}-0123456789abcdef` };
const DEADLINE_MS = 2_000;

let idp: TestOidcProvider;
let a: TestServer;
let b: TestServer;
let aDataDir: string;
let aPort: number;
let trustedRoot: unknown;

const startA = (port = "0") => startTestServer({ port, "oidc-issuers": `${idp.issuer}|urn:certus-trust:api|sub`, "verify-workers": "0" }, aDataDir);

async function post(base: string, path: string, body: unknown): Promise<{ status: number; json: WireJson; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json(), ms: performance.now() - t0 };
}

const artifactOf = (text: string) => {
  const content = Buffer.from(text);
  return { content, digest: `sha256:${createHash("sha256").update(content).digest("hex")}` };
};

beforeAll(async () => {
  idp = await startOidcProvider({ clients: [B_CLIENT] });
  aDataDir = tempDir("certus-trust-a-");
  a = await startA();
  aPort = a.port;
  trustedRoot = await fetchTrustedRoot(a.url);
  const dir = tempDir("certus-trust-b-config-");
  // The TUF root B trusts on first use: A's current root.json, as `certus-trust keys --tuf-root` prints it.
  const keys = (await (await fetch(`${a.url}/v1/keys`)).json()) as { tuf: { url: string; rootVersion: string } };
  writeFileSync(join(dir, "root.json"), Buffer.from(await (await fetch(`${a.url}/tuf/${keys.tuf.rootVersion}.root.json`)).arrayBuffer()));
  writeFileSync(join(dir, "client-secret"), `${B_CLIENT.clientSecret}\n`, { mode: 0o600 });
  b = await startTestServer({
    mode: "sigstore",
    "fulcio-url": a.url,
    "rekor-url": a.url,
    "rekor-version": "1",
    "tsa-url": a.url,
    "tuf-mirror-url": keys.tuf.url,
    "tuf-root-file": join(dir, "root.json"),
    "oidc-token-url": `${idp.issuer}/token`,
    "oidc-client-id": B_CLIENT.clientId,
    "oidc-client-secret-file": join(dir, "client-secret"),
    identity: B_CLIENT.clientId,
    issuer: idp.issuer,
    "upstream-deadline-ms": String(DEADLINE_MS),
    "verify-workers": "0",
  });
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await idp?.stop();
});

const signer = () => ({ subject: B_CLIENT.clientId, issuer: idp.issuer });
const policy = () => ({ subjectAlternativeName: B_CLIENT.clientId, extensions: { issuer: idp.issuer } });

async function signOnB(text: string, format: "SIGNATURE_FORMAT_DSSE" | "SIGNATURE_FORMAT_MESSAGE_SIGNATURE") {
  const artifact = artifactOf(text);
  const r = await post(b.url, "/v1/sign", { artifact: { uri: `s3://certus-artifacts/${text}`, digest: artifact.digest }, format });
  return { ...r, artifact };
}

describe("mode sigstore against another instance's Sigstore endpoints", () => {
  it("B signs DSSE and message signatures; A's Verify and stock @sigstore/verify accept them", async () => {
    for (const format of ["SIGNATURE_FORMAT_DSSE", "SIGNATURE_FORMAT_MESSAGE_SIGNATURE"] as const) {
      const r = await signOnB(`external-${format}-${Date.now()}`, format);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.signer).toEqual(signer());
      expect(r.json.entry.uuid).toMatch(/^[0-9a-f]{64}$/);
      const tlog = r.json.bundle.verificationMaterial.tlogEntries;
      expect(tlog).toHaveLength(1);
      expect(tlog[0].logIndex).toBe(r.json.entry.logIndex);
      expect(r.json.bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);
      // The entry is in A's log.
      const entry = (await (await fetch(`${a.url}/api/v1/log/entries/${r.json.entry.uuid}`)).json()) as WireJson;
      expect(Object.keys(entry)).toEqual([r.json.entry.uuid]);

      const verdict = await post(a.url, "/v1/verify", { artifact: { digest: r.artifact.digest }, bundle: r.json.bundle, expectedSigner: signer() });
      expect(verdict.json.verified, JSON.stringify(verdict.json.failures)).toBe(true);
      const wrong = await post(a.url, "/v1/verify", {
        artifact: { digest: r.artifact.digest },
        bundle: r.json.bundle,
        expectedSigner: { subject: "certus-trust@certus.cloud", issuer: idp.issuer },
      });
      expect(wrong.json.verified).toBe(false);
      // B verifies with the trusted root it got from A's TUF repository.
      const onB = await post(b.url, "/v1/verify", { artifact: { digest: r.artifact.digest }, bundle: r.json.bundle, expectedSigner: signer() });
      expect(onB.json.verified, JSON.stringify(onB.json.failures)).toBe(true);

      stockVerify(trustedRoot, r.json.bundle, format === "SIGNATURE_FORMAT_DSSE" ? undefined : r.artifact.content, policy());
      if (format === "SIGNATURE_FORMAT_MESSAGE_SIGNATURE") {
        expect(() => stockVerify(trustedRoot, r.json.bundle, Buffer.from("something else"), policy())).toThrow();
      }
    }
  });

  it("B's GetKeys serves A's trusted root from TUF; B's GetTransparency reads A's Rekor v1 API, every proof checked", async () => {
    const keys = (await (await fetch(`${b.url}/v1/keys`)).json()) as WireJson;
    expect(keys.trustedRoot).toEqual(trustedRoot);
    expect(keys.tuf.url).toBe(`${a.url}/tuf/`);
    expect(keys.keys.map((k: WireJson) => k.purpose)).toEqual(expect.arrayContaining(["CA_ROOT", "TLOG", "TSA"]));
    // (Changed by issue #15: in sigstore mode the transparency RPCs answer with data.)
    const signed = await signOnB(`external-transparency-${Date.now()}`, "SIGNATURE_FORMAT_DSSE");
    expect(signed.status).toBe(200);
    const index = Number(signed.json.entry.logIndex);
    const checkEntry = (e: WireJson) => {
      const p = e.inclusionProof;
      const [, size, root] = (p.checkpoint as string).split("\n");
      expect(Number(size)).toBe(Number(p.treeSize));
      expect(root).toBe(p.rootHash);
      expect(
        verifyInclusion(
          hashLeaf(Buffer.from(e.body, "base64")),
          Number(e.logIndex),
          Number(p.treeSize),
          p.hashes.map((h: string) => Buffer.from(h, "base64")),
          Buffer.from(p.rootHash, "base64"),
        ),
      ).toBe(true);
    };
    const byIndex = (await (await fetch(`${b.url}/v1/transparency?logIndex=${index}`)).json()) as WireJson;
    expect(byIndex.entries[0].uuid).toBe(signed.json.entry.uuid);
    checkEntry(byIndex.entries[0]);
    const byUuid = (await (await fetch(`${b.url}/v1/transparency?uuid=${signed.json.entry.uuid}`)).json()) as WireJson;
    expect(Number(byUuid.entries[0].logIndex)).toBe(index);
    const byDigest = await fetch(`${b.url}/v1/transparency?digest=${signed.artifact.digest}`);
    expect(byDigest.headers.get("certus-search-scope")).toBe("log");
    const digestAnswer = (await byDigest.json()) as WireJson;
    expect(digestAnswer.searchScope).toBe("SEARCH_SCOPE_LOG");
    const found = digestAnswer.entries;
    expect(found.map((e: WireJson) => Number(e.logIndex))).toEqual([index]);
    checkEntry(found[0]);
    // The checkpoint B serves is A's, and B proves A's log consistent between two sizes.
    // (B reuses a checkpoint for 250 ms; ECDSA signatures differ from one signing to the next:
    // compare what the notes commit to.)
    const head = (note: string) => note.split("\n").slice(0, 3).join("\n");
    const aHead = head(((await (await fetch(`${a.url}/api/v1/log`)).json()) as WireJson).signedTreeHead);
    await expect.poll(async () => head(((await (await fetch(`${b.url}/v1/transparency`)).json()) as WireJson).checkpoint), { timeout: 5_000 }).toBe(aHead);
    const latest = (await (await fetch(`${b.url}/v1/transparency`)).json()) as WireJson;
    const [, lastSize, lastRoot] = (latest.checkpoint as string).split("\n");
    const first = (await (await fetch(`${a.url}/v1/transparency?logIndex=0`)).json()) as WireJson;
    const firstCheckpoint = first.entries[0].inclusionProof.checkpoint as string;
    const [, firstSize, firstRoot] = firstCheckpoint.split("\n");
    const cons = (await (await fetch(`${b.url}/v1/transparency?firstSize=${firstSize}&lastSize=${lastSize}`)).json()) as WireJson;
    expect(
      verifyConsistency(
        Number(firstSize),
        Number(lastSize),
        Buffer.from(firstRoot!, "base64"),
        Buffer.from(lastRoot!, "base64"),
        cons.consistencyProof.hashes.map((h: string) => Buffer.from(h, "base64")),
      ),
    ).toBe(true);
    const ready = await fetch(`${b.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as WireJson).components).toMatchObject({
      fulcio: { status: "serving" },
      rekor: { status: "serving" },
      tsa: { status: "serving" },
      tuf: { status: "serving" },
      oidc: { status: "serving" },
    });
  });

  it("with A down, B answers unavailable within its deadline and says which component; it recovers when A is back", async () => {
    await a.server.close();

    const first = await signOnB(`during-outage-${Date.now()}`, "SIGNATURE_FORMAT_MESSAGE_SIGNATURE");
    expect(first.status).toBe(503);
    expect(first.json.code).toBe("unavailable");
    expect(first.json.message).toMatch(/^(rekor|tsa|fulcio): /);
    expect(first.ms).toBeLessThan(5_000);
    // With the circuit open, the next call is refused at once instead of waiting out the deadline.
    const second = await signOnB(`during-outage-2-${Date.now()}`, "SIGNATURE_FORMAT_DSSE");
    expect(second.status).toBe(503);
    expect(second.json.code).toBe("unavailable");
    expect(second.ms).toBeLessThan(1_000);

    const ready = await fetch(`${b.url}/readyz`);
    expect(ready.status).toBe(503);
    const report = (await ready.json()) as WireJson;
    expect(report.status).toBe("not ready");
    const down = Object.entries(report.components)
      .filter(([, c]: [string, WireJson]) => c.status === "not serving")
      .map(([name]) => name);
    expect(down.length).toBeGreaterThan(0);
    expect(down.every((n) => ["fulcio", "rekor", "rekor-read", "tsa", "tuf"].includes(n))).toBe(true);
    const client = grpcClient(b.port);
    try {
      const check = (service: string) =>
        grpcUnary(client, "/grpc.health.v1.Health/Check", HealthCheckRequestSchema, HealthCheckResponseSchema, create(HealthCheckRequestSchema, { service }));
      expect((await check(down[0]!)).status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
      expect((await check("")).status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
      expect((await check("oidc")).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      client.close();
    }

    // A comes back on the same port and data directory; B notices by itself (no restart).
    a = await startA(String(aPort));
    const until = Date.now() + 30_000;
    let status = 0;
    while (Date.now() < until) {
      status = (await fetch(`${b.url}/readyz`)).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
    const again = await signOnB(`after-outage-${Date.now()}`, "SIGNATURE_FORMAT_DSSE");
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    const verdict = await post(a.url, "/v1/verify", { artifact: { digest: again.artifact.digest }, bundle: again.json.bundle, expectedSigner: signer() });
    expect(verdict.json.verified, JSON.stringify(verdict.json.failures)).toBe(true);
  });
});
