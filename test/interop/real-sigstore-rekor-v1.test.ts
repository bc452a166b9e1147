/**
 * The service in `mode: sigstore` against a real Rekor v1: rekor-server on Trillian
 * (trillian_log_server, trillian_log_signer, createtree) with MariaDB underneath
 * (test/helpers/rekor-v1-stack.ts), alongside the real timestamp-authority, Fulcio and its CT log
 * of test/helpers/sigstore-stack.ts, with the test OIDC provider as Fulcio's issuer. The service's
 * Rekor v1 adapter (src/sigstore/external/rekor.ts, rekor-v1-log.ts, upstream-checkpoints.ts) had
 * only met the embedded Rekor-compatible API before.
 *
 * - Sign (DSSE and message signature) returns bundles (dsse/0.0.1, hashedrekord/0.0.1, with a SET,
 *   an inclusion proof and a checkpoint) that our Verify, unmodified `@sigstore/verify` and cosign
 *   (`verify-blob`, and `verify-blob-attestation` for DSSE) accept with the stack's trusted root.
 * - GetTransparency by log index, UUID, digest and subject (Rekor's own search index, in MariaDB)
 *   returns entries whose inclusion proofs the independent RFC 6962 check accepts against the
 *   signed checkpoint; a consistency proof between two sizes verifies against both signed roots.
 * - WatchCheckpoints delivers the next checkpoint after a Sign.
 * - The Certus upload-permission (inner signature appended to Rekor v1) and verify-chain flows.
 * - The same entry logged twice: Rekor's 409 and its Location lead the client to the existing entry.
 * - Faults: rekor-server stopped mid-load → every Sign returns a verifying bundle or `unavailable`
 *   with a retry hint; signing recovers when it is back. Trillian's log server stopped under a
 *   running rekor-server → `unavailable` with a retry hint, and recovery.
 *
 * When a server is not built or MariaDB is missing, the suite fails under CI=true and skips
 * (saying why) otherwise.
 */
import { createHash, generateKeyPairSync, sign as nodeSign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { TrustService } from "@certus/trust-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RekorClient } from "../../src/sigstore/external/rekor.js";
import { UpstreamHttp } from "../../src/sigstore/external/upstream-http.js";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { REKOR_V1_VERSIONS, rekorV1Missing, startRekorV1, type RekorV1Stack } from "../helpers/rekor-v1-stack.js";
import { skipReason } from "../helpers/requirement.js";
import { hashLeaf, verifyConsistency, verifyInclusion } from "../helpers/rfc6962.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { REAL_SIGSTORE_VERSIONS, realSigstoreMissing, startRealSigstore, writeServiceToken, type RealSigstoreStack } from "../helpers/sigstore-stack.js";
import { certusUploadRequest, writeCertusPolicy } from "../helpers/certus-upload.js";
import { checkEntry, cosign, cosignMissing, serviceApi, stockVerify, type SignFormat } from "../helpers/sigstore-service.js";
import type { WireJson } from "../helpers/wire-json.js";

const missing = skipReason("interop/real-sigstore-rekor-v1", realSigstoreMissing() ?? rekorV1Missing());

const IDENTITY = "certus-trust@certus.example";
const ASSURANCE = "certus-assurance@certus.cloud";
const assuranceKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
const DEADLINE_MS = 3_000;
let idp: TestOidcProvider;
let stack: RealSigstoreStack;
let rekorV1: RekorV1Stack;
let svc: TestServer;
const { call, sign } = serviceApi(() => svc.url);
const verifyStock = (bundle: unknown, artifact: Buffer | undefined) =>
  stockVerify(stack.trustedRoot, bundle, artifact, { subject: IDENTITY, issuer: idp.issuer });
const UUID = /^([0-9a-f]{16})?[0-9a-f]{64}$/;

beforeAll(async () => {
  if (missing) return;
  idp = await startOidcProvider({ idTokenTtlSec: 3600 });
  stack = await startRealSigstore({ idp, rekorV1: async (dir) => (rekorV1 = await startRekorV1(dir)) });
  const token = await writeServiceToken(idp, IDENTITY, stack.dir);
  const policyFile = join(stack.dir, "policies.yaml");
  writeCertusPolicy(policyFile, ASSURANCE, assuranceKey.publicKey.export({ type: "spki", format: "pem" }).toString());
  svc = await startTestServer({
    "policy-file": policyFile,
    mode: "sigstore",
    "fulcio-url": stack.fulcioUrl,
    "rekor-url": stack.rekorUrl,
    "rekor-version": "1",
    "checkpoint-poll-ms": "250",
    "tsa-url": stack.tsaUrl,
    "trusted-root-file": stack.trustedRootFile,
    "oidc-token-file": token,
    identity: IDENTITY,
    issuer: idp.issuer,
    "upstream-deadline-ms": String(DEADLINE_MS),
    "verify-workers": "0",
  });
}, 240_000);

afterAll(async () => {
  await svc?.stop();
  await stack?.stop();
  await idp?.stop();
}, 60_000);

describe.skipIf(missing !== undefined)(
  `mode sigstore on Rekor v1 (${Object.entries({ ...REAL_SIGSTORE_VERSIONS, ...REKOR_V1_VERSIONS })
    .filter(([n]) => n !== "rekor-tiles")
    .map(([n, v]) => `${n} ${v}`)
    .join(", ")}, MariaDB)`,
  () => {
    it("Sign (DSSE and message signature): our Verify, @sigstore/verify (SCT, log, timestamp) and cosign (verify-blob, verify-blob-attestation) accept the bundles", async () => {
      const expected: Record<SignFormat, { kind: string; version: string }> = {
        SIGNATURE_FORMAT_DSSE: { kind: "dsse", version: "0.0.1" },
        SIGNATURE_FORMAT_MESSAGE_SIGNATURE: { kind: "hashedrekord", version: "0.0.1" },
      };
      for (const format of ["SIGNATURE_FORMAT_DSSE", "SIGNATURE_FORMAT_MESSAGE_SIGNATURE"] as const) {
        const r = await sign(`v1-${format}-${Date.now()}`, format);
        expect(r.status, JSON.stringify(r.json)).toBe(200);
        expect(r.json.signer).toEqual({ subject: IDENTITY, issuer: idp.issuer });
        const tlog = r.json.bundle.verificationMaterial.tlogEntries;
        expect(tlog).toHaveLength(1);
        expect(tlog[0].kindVersion).toEqual(expected[format]);
        // Rekor v1: a signed entry timestamp and an integrated time besides the proof.
        expect(tlog[0].inclusionPromise.signedEntryTimestamp).toMatch(/^[A-Za-z0-9+/]+=*$/);
        expect(Number(tlog[0].integratedTime)).toBeGreaterThan(Date.now() / 1000 - 600);
        expect(tlog[0].inclusionProof.checkpoint.envelope.split("\n")[0]).toBe(stack.rekorOrigin);
        expect(r.json.entry.uuid).toMatch(UUID);
        expect(r.json.bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);

        const verdict = await call("POST", "/v1/verify", {
          artifact: { digest: r.artifact.digest },
          bundle: r.json.bundle,
          expectedSigner: { subject: IDENTITY, issuer: idp.issuer },
        });
        expect(verdict.json.verified, JSON.stringify(verdict.json.failures)).toBe(true);
        const wrong = await call("POST", "/v1/verify", {
          artifact: { digest: r.artifact.digest },
          bundle: r.json.bundle,
          expectedSigner: { subject: "someone-else@certus.example", issuer: idp.issuer },
        });
        expect(wrong.json.verified).toBe(false);

        verifyStock(r.json.bundle, format === "SIGNATURE_FORMAT_DSSE" ? undefined : r.artifact.content);
        if (format === "SIGNATURE_FORMAT_DSSE" && !cosignMissing) {
          // cosign verify-blob-attestation: the statement's subject is the artifact, its predicate type as signed.
          const dir = mkdtempSync(join(tmpdir(), "rekor-v1-cosign-dsse-"));
          const statement = JSON.parse(Buffer.from(r.json.bundle.dsseEnvelope.payload, "base64").toString("utf8"));
          writeFileSync(join(dir, "bundle.json"), JSON.stringify(r.json.bundle));
          writeFileSync(join(dir, "artifact"), r.artifact.content);
          const args = [
            "verify-blob-attestation",
            "--bundle",
            join(dir, "bundle.json"),
            "--trusted-root",
            stack.trustedRootFile,
            "--type",
            statement.predicateType,
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer",
            idp.issuer,
          ];
          const ok = await cosign([...args, join(dir, "artifact")], dir);
          expect(ok.status, ok.out).toBe(0);
          writeFileSync(join(dir, "other"), "something else");
          expect((await cosign([...args, join(dir, "other")], dir)).status).not.toBe(0);
        }
        if (format === "SIGNATURE_FORMAT_MESSAGE_SIGNATURE") {
          expect(() => verifyStock(r.json.bundle, Buffer.from("something else"))).toThrow();
          if (cosignMissing) console.warn(`[interop/real-sigstore-rekor-v1] cosign step SKIPPED: ${cosignMissing}`);
          else {
            const dir = mkdtempSync(join(tmpdir(), "rekor-v1-cosign-"));
            writeFileSync(join(dir, "bundle.json"), JSON.stringify(r.json.bundle));
            writeFileSync(join(dir, "artifact"), r.artifact.content);
            const args = [
              "verify-blob",
              "--bundle",
              join(dir, "bundle.json"),
              "--trusted-root",
              stack.trustedRootFile,
              "--certificate-identity",
              IDENTITY,
              "--certificate-oidc-issuer",
              idp.issuer,
            ];
            const ok = await cosign([...args, join(dir, "artifact")], dir);
            expect(ok.status, ok.out).toBe(0);
            writeFileSync(join(dir, "other"), "something else");
            expect((await cosign([...args, join(dir, "other")], dir)).status).not.toBe(0);
          }
        }
      }
    });

    it("GetTransparency by index, UUID, digest and subject: entries with proofs an independent RFC 6962 check accepts", async () => {
      const r = await sign(`v1-transparency-${Date.now()}`);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      const index = Number(r.json.entry.logIndex);
      const uuid: string = r.json.entry.uuid;
      const body = r.json.bundle.verificationMaterial.tlogEntries[0].canonicalizedBody;

      const byIndex = await call("GET", `/v1/transparency?logIndex=${index}`);
      expect(byIndex.status, JSON.stringify(byIndex.json)).toBe(200);
      expect(byIndex.json.entries).toHaveLength(1);
      const e = byIndex.json.entries[0];
      expect(Number(e.logIndex)).toBe(index);
      expect(e.kindVersion).toBe("dsse/0.0.1");
      expect(e.rekorVersion).toBe(1);
      expect(e.uuid).toBe(uuid);
      // The body is the one in the bundle Sign returned; its leaf hash is the UUID's tail.
      expect(e.body).toBe(body);
      expect(uuid.slice(-64)).toBe(hashLeaf(Buffer.from(body, "base64")).toString("hex"));
      checkEntry(e);
      expect(byIndex.json.checkpoint.split("\n")[0]).toBe(stack.rekorOrigin);

      const byUuid = await call("GET", `/v1/transparency?uuid=${uuid}`);
      expect(byUuid.status, JSON.stringify(byUuid.json)).toBe(200);
      expect(byUuid.json.entries.map((x: WireJson) => Number(x.logIndex))).toEqual([index]);
      checkEntry(byUuid.json.entries[0]);
      // The 64-hex form (without the tree ID) names the same entry.
      const short = await call("GET", `/v1/transparency?uuid=${uuid.slice(-64)}`);
      expect(short.status, JSON.stringify(short.json)).toBe(200);
      expect(Number(short.json.entries[0].logIndex)).toBe(index);

      // Rekor v1's own search index (MariaDB): every entry of the log, not only the service's.
      const byDigest = await call("GET", `/v1/transparency?digest=${r.artifact.digest}`);
      expect(byDigest.status, JSON.stringify(byDigest.json)).toBe(200);
      expect(byDigest.headers.get("certus-search-scope")).toBe("log");
      expect(byDigest.json.entries.map((x: WireJson) => Number(x.logIndex))).toEqual([index]);
      checkEntry(byDigest.json.entries[0]);

      const bySubject = await call("GET", `/v1/transparency?subject=${encodeURIComponent(IDENTITY)}`);
      expect(bySubject.status, JSON.stringify(bySubject.json)).toBe(200);
      expect(bySubject.json.entries.map((x: WireJson) => Number(x.logIndex))).toContain(index);
      for (const x of bySubject.json.entries) checkEntry(x);

      const none = await call("GET", `/v1/transparency?digest=sha256:${"0".repeat(64)}`);
      expect(none.status, JSON.stringify(none.json)).toBe(200);
      expect(none.json.entries ?? []).toEqual([]);
      const beyond = await call("GET", `/v1/transparency?logIndex=999999`);
      expect(beyond.json.code, JSON.stringify(beyond.json)).toBe("not_found");
      const unknown = await call("GET", `/v1/transparency?uuid=${"a".repeat(64)}`);
      expect(unknown.json.code, JSON.stringify(unknown.json)).toBe("not_found");
      // Against an older tree size Rekor v1 cannot prove inclusion (it proves against its current
      // tree only); once the log has grown, the answer says so and what to ask instead.
      expect((await sign(`v1-transparency-next-${Date.now()}`)).status).toBe(200);
      // The service learns the new tree size from its checkpoint poll (250 ms here): until then
      // the size asked for is "beyond" what it knows.
      let older = await call("GET", `/v1/transparency?logIndex=${index}&treeSize=${index + 1}`);
      for (let i = 0; i < 40 && older.json.code === "invalid_argument" && /beyond the tree size/.test(older.json.message); i++) {
        await new Promise((r) => setTimeout(r, 100));
        older = await call("GET", `/v1/transparency?logIndex=${index}&treeSize=${index + 1}`);
      }
      expect(older.json.code, JSON.stringify(older.json)).toBe("unimplemented");
      expect(older.json.message).toMatch(/consistency proof/);
    });

    it("GetTransparency consistency proofs between two sizes verify against the signed roots", async () => {
      const first = await call("GET", "/v1/transparency");
      expect(first.status, JSON.stringify(first.json)).toBe(200);
      const [, firstSize, firstRoot] = (first.json.checkpoint as string).split("\n");
      expect((await sign(`v1-consistency-${Date.now()}`)).status).toBe(200);
      const second = await sign(`v1-consistency-2-${Date.now()}`, "SIGNATURE_FORMAT_MESSAGE_SIGNATURE");
      expect(second.status).toBe(200);
      // The service polls Rekor v1's tree head (every 250 ms here): wait until it has seen both entries.
      await expect
        .poll(async () => Number(((await call("GET", "/v1/transparency")).json.checkpoint as string).split("\n")[1]), { timeout: 5_000 })
        .toBeGreaterThan(Number(second.json.entry.logIndex));
      const proof = await call("GET", `/v1/transparency?firstSize=${firstSize}`);
      expect(proof.status, JSON.stringify(proof.json)).toBe(200);
      const cp = proof.json.consistencyProof;
      const [, lastSize, lastRoot] = (cp.checkpoint as string).split("\n");
      expect(Number(cp.lastSize)).toBe(Number(lastSize));
      expect(Number(lastSize)).toBeGreaterThanOrEqual(Number(firstSize) + 2);
      const hashes = cp.hashes.map((h: string) => Buffer.from(h, "base64"));
      expect(verifyConsistency(Number(firstSize), Number(lastSize), Buffer.from(firstRoot!, "base64"), Buffer.from(lastRoot!, "base64"), hashes)).toBe(true);
      // A proof that does not lead from the first root is refused by the same check.
      expect(verifyConsistency(Number(firstSize), Number(lastSize), Buffer.alloc(32), Buffer.from(lastRoot!, "base64"), hashes)).toBe(false);
    });

    it("WatchCheckpoints delivers the next checkpoint after a Sign", async () => {
      const client = createClient(TrustService, createConnectTransport({ baseUrl: svc.url, httpVersion: "1.1" }));
      const ctl = new AbortController();
      const it = client.watchCheckpoints({ includeIndexes: true }, { signal: ctl.signal })[Symbol.asyncIterator]();
      const current = (await it.next()).value!;
      const signed = await sign(`v1-watch-${Date.now()}`);
      expect(signed.status).toBe(200);
      const index = BigInt(signed.json.entry.logIndex);
      const t0 = Date.now();
      let next = (await it.next()).value!;
      while (next.treeSize <= index) next = (await it.next()).value!;
      const waited = Date.now() - t0;
      ctl.abort();
      expect(next.treeSize).toBeGreaterThan(current.treeSize);
      expect(next.newIndexes).toContain(index);
      expect(next.checkpoint.split("\n")[0]).toBe(stack.rekorOrigin);
      expect(waited).toBeLessThan(5_000);
    });

    it("the Certus workflows: an upload permission (inner signature logged in Rekor v1, outer signed) and verify-chain", async () => {
      const scanId = `scan_v1_${Date.now()}`;
      const { body, inner, manifestDigest } = certusUploadRequest(scanId, ASSURANCE, assuranceKey.privateKey);
      const permit = await call("POST", "/v1/verify-and-permit-upload", body);
      expect(permit.status, JSON.stringify(permit.json)).toBe(200);
      expect(permit.json.permitted, JSON.stringify(permit.json)).toBe(true);
      const proof = permit.json.verification_proof;
      expect(proof).toMatchObject({
        chain_verified: true,
        inner_signature_valid: true,
        outer_signature_valid: true,
        signer_inner: ASSURANCE,
        signer_outer: IDENTITY,
      });
      expect(proof.rekor_entry_uuid).toMatch(UUID);
      verifyStock(permit.json.outer_bundle, undefined);
      // The inner signature was appended to Rekor v1 and Rekor's index finds it by the manifest's digest.
      const innerEntries = await call("GET", `/v1/transparency?digest=${manifestDigest}`);
      expect(innerEntries.status, JSON.stringify(innerEntries.json)).toBe(200);
      expect(innerEntries.json.entries.length).toBeGreaterThanOrEqual(1);
      expect(innerEntries.json.entries.some((e: WireJson) => e.kindVersion === "hashedrekord/0.0.1")).toBe(true);
      for (const e of innerEntries.json.entries) checkEntry(e);

      const chain = await call("POST", "/v1/verify-chain", {
        artifact_locations: { s3: { uri: `s3://certus-raw/demo/${scanId}/manifest.json`, digest: manifestDigest } },
        signatures: { inner, outer: { rekor_entry_uuid: proof.rekor_entry_uuid, cosign_signature: proof.cosign_signature } },
        sigstore_entry_id: null,
      });
      expect(chain.status, JSON.stringify(chain.json)).toBe(200);
      expect(chain.json, JSON.stringify(chain.json.reasons)).toMatchObject({
        chain_verified: true,
        inner_signature_valid: true,
        outer_signature_valid: true,
        chain_unbroken: true,
        signer_inner: ASSURANCE,
        signer_outer: IDENTITY,
        scan_id: scanId,
      });
      const prov = await call("GET", `/v1/provenance/${scanId}`);
      expect(prov.status, JSON.stringify(prov.json)).toBe(200);
      expect(prov.json).toMatchObject({ scan_id: scanId, chain_status: "complete" });
      const ready = await call("GET", "/v1/ready");
      expect(ready.json, JSON.stringify(ready.json)).toMatchObject({ ready: true, checks: { fulcio: true, rekor: true } });
    });

    it("the same entry logged twice: Rekor v1 answers 409 with the existing entry's Location, and the client returns that entry", async () => {
      const rekor = new RekorClient(new UpstreamHttp({ component: "rekor", baseUrl: stack.rekorUrl, deadlineMs: 10_000 }), 1);
      const message = Buffer.from(`v1-duplicate-${Date.now()}`);
      const digest = createHash("sha256").update(message).digest();
      const signature = nodeSign("sha256", message, { key: assuranceKey.privateKey, dsaEncoding: "der" });
      const content = { $case: "messageSignature", messageSignature: { messageDigest: { algorithm: 1, digest }, signature } } as const;
      const pem = assuranceKey.publicKey.export({ type: "spki", format: "pem" }).toString();
      const first = await rekor.log(content, pem);
      const again = await rekor.log(content, pem);
      expect(again.ref.uuid).toBe(first.ref.uuid);
      expect(again.ref.logIndex).toBe(first.ref.logIndex);
      expect(Buffer.from(again.entry.canonicalizedBody).equals(Buffer.from(first.entry.canonicalizedBody))).toBe(true);
      const e = await call("GET", `/v1/transparency?uuid=${first.ref.uuid}`);
      expect(e.status, JSON.stringify(e.json)).toBe(200);
      checkEntry(e.json.entries[0]);
    });

    it("Rekor v1 stopped mid-load: every Sign gets a verifying bundle or unavailable with a retry hint; it recovers when Rekor is back", async () => {
      const inFlight = Array.from({ length: 12 }, (_, i) =>
        sign(`v1-midload-${Date.now()}-${i}`, i % 2 ? "SIGNATURE_FORMAT_MESSAGE_SIGNATURE" : "SIGNATURE_FORMAT_DSSE"),
      );
      await new Promise((r) => setTimeout(r, 300));
      await stack.stopRekor();
      try {
        const outcomes = await Promise.all(inFlight);
        for (const [i, r] of outcomes.entries()) {
          if (r.status === 200) {
            expect(r.json.bundle.verificationMaterial.tlogEntries).toHaveLength(1);
            verifyStock(r.json.bundle, i % 2 ? r.artifact.content : undefined);
          } else {
            expect(r.status, JSON.stringify(r.json)).toBe(503);
            expect(r.json.code).toBe("unavailable");
            expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
          }
        }
        const t0 = Date.now();
        const r = await sign(`v1-down-${Date.now()}`);
        const ms = Date.now() - t0;
        expect(r.status, JSON.stringify(r.json)).toBe(503);
        expect(r.json.code).toBe("unavailable");
        expect(r.json.message).toMatch(/rekor/);
        expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(ms).toBeLessThan(DEADLINE_MS + 2_000);
        const ready = await fetch(`${svc.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(JSON.stringify(await ready.json())).toMatch(/rekor/);
      } finally {
        await stack.startRekor();
      }
      const until = Date.now() + 20_000;
      let r = await sign(`v1-back-${Date.now()}`);
      while (r.status !== 200 && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 500));
        r = await sign(`v1-back-${Date.now()}`);
      }
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      verifyStock(r.json.bundle, undefined);
      const e = await call("GET", `/v1/transparency?logIndex=${r.json.entry.logIndex}`);
      expect(e.status, JSON.stringify(e.json)).toBe(200);
      checkEntry(e.json.entries[0]);
      expect(
        verifyInclusion(
          hashLeaf(Buffer.from(e.json.entries[0].body, "base64")),
          Number(r.json.entry.logIndex),
          Number(e.json.entries[0].inclusionProof.treeSize),
          e.json.entries[0].inclusionProof.hashes.map((h: string) => Buffer.from(h, "base64")),
          Buffer.alloc(32),
        ),
      ).toBe(false);
    });

    it("Trillian's log server stopped under a running rekor-server: Sign answers unavailable with a retry hint, and recovers when it is back", async () => {
      await rekorV1.stop("trillian-log-server");
      try {
        const r = await sign(`v1-no-trillian-${Date.now()}`, "SIGNATURE_FORMAT_MESSAGE_SIGNATURE");
        expect(r.status, JSON.stringify(r.json)).toBe(503);
        expect(r.json.code).toBe("unavailable");
        expect(r.json.message).toMatch(/rekor/);
        expect(r.json.bundle).toBeUndefined();
        expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
      } finally {
        await rekorV1.start("trillian-log-server");
      }
      const until = Date.now() + 20_000;
      let r = await sign(`v1-trillian-back-${Date.now()}`, "SIGNATURE_FORMAT_MESSAGE_SIGNATURE");
      while (r.status !== 200 && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 500));
        r = await sign(`v1-trillian-back-${Date.now()}`, "SIGNATURE_FORMAT_MESSAGE_SIGNATURE");
      }
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      verifyStock(r.json.bundle, r.artifact.content);
    });
  },
);
