/**
 * The Certus workflows end to end on a real server: Certus-Assurance's cosign-style inner
 * signatures (a P-256 key from the policy file, and keyless through the embedded CA and log)
 * over an upload manifest, sent in the callers' exact JSON to /v1/verify-and-permit-upload;
 * refusals (placeholder, malformed, wrong signer, changed hash, no artifacts) that log nothing and
 * call nobody; a stand-in Transform that gets exactly one authenticated callback per permission
 * even when it fails twice first; /v1/verify-chain on the outcome; and the legacy /v1/sign body.
 */
import {
  createHash,
  createHmac,
  generateKeyPairSync,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDigest } from "../../src/sigstore/signing-pipeline.js";
import { publicKeyRule, writeCertusTierPolicy } from "../helpers/certus-upload.js";
import { fetchTrustedRoot, stockVerify } from "../helpers/sigstore.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

const ASSURANCE = "certus-assurance@certus.cloud";
const OIDC = "https://keycloak.certus.example/realms/certus";
const SECRET = "transform-callback-secret-0123456789-abcdef";

let srv: TestServer;
let trustedRoot: unknown;
let transform: Server;
const assuranceKey = generateKeyPairSync("ec", { namedCurve: "P-256" });

/** What the stand-in Transform received. */
interface Callback {
  id: string;
  authentic: boolean;
  body: WireJson;
  status: number;
}
const callbacks: Callback[] = [];
/** Permission ids for which Transform answers 500 this many more times. */
const failuresLeft = new Map<string, number>();
let failFirst = 0;

function authentic(header: string | undefined, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m || Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  const mac = createHmac("sha256", SECRET).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(mac, Buffer.from(m[2]!, "hex"));
}

beforeAll(async () => {
  transform = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const id = String(req.headers["idempotency-key"]);
      if (!failuresLeft.has(id)) failuresLeft.set(id, failFirst);
      const left = failuresLeft.get(id)!;
      const status = req.url !== "/v1/execute-upload" ? 404 : left > 0 ? 500 : 200;
      if (left > 0) failuresLeft.set(id, left - 1);
      callbacks.push({ id, authentic: authentic(req.headers["x-certus-signature"] as string | undefined, body), body: JSON.parse(body), status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: status === 200 ? "accepted" : "error" }));
    });
  });
  await new Promise<void>((r) => transform.listen(0, "127.0.0.1", r));
  const port = (transform.address() as { port: number }).port;
  const dir = tempDir();
  const pem = assuranceKey.publicKey.export({ type: "spki", format: "pem" }).toString();
  writeCertusTierPolicy(join(dir, "policies.yaml"), [...publicKeyRule(ASSURANCE, pem), `      - subject: ${ASSURANCE}`]);
  writeFileSync(join(dir, "secret"), SECRET, { mode: 0o600 });
  srv = await startTestServer({
    "policy-file": join(dir, "policies.yaml"),
    "transform-callback-url": `http://127.0.0.1:${port}`,
    "transform-callback-secret-file": join(dir, "secret"),
  });
  trustedRoot = await fetchTrustedRoot(srv.url);
});
afterAll(async () => {
  await srv?.stop();
  await new Promise((r) => transform?.close(r));
});

// ---- Certus-Assurance, as a test: files, the upload manifest, cosign sign-blob --------------------

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

interface Scan {
  scanId: string;
  files: Record<string, Buffer>;
  manifest: Buffer;
  artifacts: Array<{ name: string; hash: string; size: number }>;
}

/** A scan's files and its upload manifest (canonical JSON written by hand, not with the service's code). */
function makeScan(scanId: string): Scan {
  const files: Record<string, Buffer> = {
    "trivy.sarif.json": Buffer.from(JSON.stringify({ version: "2.1.0", runs: [{ tool: "trivy", scan: scanId }] })),
    "syft.spdx.json": Buffer.from(JSON.stringify({ spdxVersion: "SPDX-2.3", name: scanId })),
    "bandit.json": Buffer.from(`{"results":[],"scan":"${scanId}"}`),
  };
  const listed = Object.entries(files)
    .map(([name, b]) => ({ hash: `sha256:${sha256(b)}`, name, size: b.length }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const manifest = Buffer.from(JSON.stringify({ artifacts: listed, scan_id: scanId }));
  const artifacts = [
    ...listed.map((a) => ({ name: a.name, hash: a.hash, size: a.size })),
    { name: "manifest.json", hash: `sha256:${sha256(manifest)}`, size: manifest.length },
  ];
  return { scanId, files, manifest, artifacts };
}

/** `cosign sign-blob --key cosign.key`: base64 DER ECDSA-SHA256 over the bytes. */
const cosignSignBlob = (data: Buffer, key: KeyObject = assuranceKey.privateKey) => nodeSign("sha256", data, { key, dsaEncoding: "der" }).toString("base64");

/** The body Certus-Assurance sends today (dataclasses.asdict: None fields are null). */
function uploadBody(scan: Scan, inner: Record<string, unknown>, tier = "verified") {
  return {
    scan_id: scan.scanId,
    tier,
    inner_signature: { signer: ASSURANCE, timestamp: "2026-01-15T14:32:45Z", signature: "", algorithm: "ECDSA-P256-SHA256", certificate: null, ...inner },
    artifacts: scan.artifacts,
    metadata: { git_url: "https://github.com/certus/demo.git", branch: "main", commit: "0123456789abcdef0123456789abcdef01234567", requested_by: null },
    storage_destinations: { raw_s3: true, oci_registry: false },
  };
}

/** Keyless: a short-lived certificate from the embedded CA, the signature logged and timestamped. */
async function keylessSign(scan: Scan, identity = ASSURANCE) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const stack = srv.server.stack;
  const leaf = await stack.ca.issueLeaf({ publicKey: publicKey.export({ type: "spki", format: "der" }), identity, oidcIssuer: OIDC });
  const signature = nodeSign("sha256", scan.manifest, { key: privateKey, dsaEncoding: "der" });
  const signer = {
    sign: (data: Buffer) =>
      Promise.resolve({
        signature: nodeSign("sha256", data, { key: privateKey, dsaEncoding: "der" }),
        key: { $case: "x509Certificate" as const, certificate: leaf.certificatePem },
      }),
    signPrehashed: () => Promise.resolve({ signature, key: { $case: "x509Certificate" as const, certificate: leaf.certificatePem } }),
  };
  const digest = `sha256:${sha256(scan.manifest)}`;
  const bundle = await signDigest(
    signer,
    stack.witnessesFor({ artifactDigest: digest, signerSubject: identity }).all,
    Buffer.from(sha256(scan.manifest), "hex"),
  );
  return { bundle, signature: signature.toString("base64"), certificate: leaf.certificatePem };
}

async function post(path: string, body: unknown): Promise<{ status: number; json: WireJson; headers: Headers }> {
  const res = await fetch(`${srv.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

async function get(path: string): Promise<{ status: number; json: WireJson }> {
  const res = await fetch(`${srv.url}${path}`);
  return { status: res.status, json: await res.json() };
}

async function waitFor(predicate: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const permitted: Record<string, { scan: Scan; body: WireJson; json: WireJson }> = {};

describe("verify-and-permit-upload", () => {
  it("key-signed (cosign.pub from the policy), verified tier: permitted, outer signature logged and verifiable, one authenticated callback after two failures", async () => {
    const scan = makeScan("scan_key_1");
    failFirst = 2;
    const before = srv.server.stack.log.size;
    const body = uploadBody(scan, { signature: cosignSignBlob(scan.manifest) });
    const r = await post("/v1/verify-and-permit-upload", body);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const out = r.json;
    expect(out.permitted).toBe(true);
    expect(out.reason).toBe("permitted");
    expect(out.scan_id).toBe(scan.scanId);
    expect(out.tier).toBe("verified");
    expect(out.upload_permission_id).toMatch(/^[0-9a-f-]{36}$/);
    const proof = out.verification_proof;
    expect(proof).toMatchObject({
      chain_verified: true,
      inner_signature_valid: true,
      outer_signature_valid: true,
      chain_unbroken: true,
      signer_inner: ASSURANCE,
      signer_outer: "certus-trust@certus.cloud",
    });
    expect(proof.rekor_entry_uuid).toMatch(/^[0-9a-f]{64}$/);
    expect(out.storage_config).toMatchObject({ raw_s3_bucket: "certus-raw", upload_to_s3: true, upload_to_oci: false });
    // The inner (not logged before) and the outer signature are now in the log.
    expect(srv.server.stack.log.size).toBe(before + 2);
    // The outer bundle verifies with stock @sigstore/verify and lists every artifact and the scan.
    stockVerify(trustedRoot, out.outer_bundle, undefined, { subjectAlternativeName: "certus-trust@certus.cloud", extensions: { issuer: srv.url } });
    const statement = JSON.parse(Buffer.from(out.outer_bundle.dsseEnvelope.payload, "base64").toString());
    expect(statement.subject).toEqual(scan.artifacts.map((a) => ({ name: a.name, digest: { sha256: a.hash.slice(7) } })));
    expect(statement.predicate).toMatchObject({
      scanId: scan.scanId,
      tier: "verified",
      manifestDigest: `sha256:${sha256(scan.manifest)}`,
      uploadPermissionId: out.upload_permission_id,
    });
    expect(statement.predicate.metadata.gitUrl).toBe(body.metadata.git_url);
    expect(statement.predicate.inner.signature).toBe(body.inner_signature.signature);
    // Transform: three attempts, one accepted, all authenticated, one idempotency key.
    await waitFor(() => callbacks.some((c) => c.id === out.upload_permission_id && c.status === 200));
    failFirst = 0;
    await new Promise((r) => setTimeout(r, 300));
    const mine = callbacks.filter((c) => c.id === out.upload_permission_id);
    expect(mine.map((c) => c.status)).toEqual([500, 500, 200]);
    expect(mine.every((c) => c.authentic)).toBe(true);
    expect(mine[2]!.body).toMatchObject({
      upload_permission_id: out.upload_permission_id,
      scan_id: scan.scanId,
      tier: "verified",
      verification_proof: proof,
      storage_config: out.storage_config,
    });
    expect(mine[2]!.body.artifacts).toEqual(scan.artifacts);
    expect(mine[2]!.body.metadata).toMatchObject({ git_url: body.metadata.git_url, commit: body.metadata.commit });
    permitted["key"] = { scan, body, json: out };
  });

  it("per-file cosign signatures are verified over each artifact's hash", async () => {
    const scan = makeScan("scan_key_files");
    const signed = scan.artifacts.map((a) => (a.name === "manifest.json" ? a : { ...a, signature: cosignSignBlob(scan.files[a.name]!) }));
    const ok = await post("/v1/verify-and-permit-upload", { ...uploadBody(scan, { signature: cosignSignBlob(scan.manifest) }), artifacts: signed });
    expect(ok.json.permitted, JSON.stringify(ok.json)).toBe(true);
    const wrong = signed.map((a) => (a.name === "bandit.json" ? { ...a, signature: cosignSignBlob(Buffer.from("other bytes")) } : a));
    const bad = await post("/v1/verify-and-permit-upload", { ...uploadBody(scan, { signature: cosignSignBlob(scan.manifest) }), artifacts: wrong });
    expect(bad.json.permitted).toBe(false);
    expect(bad.json.reason).toBe("artifact_hash_mismatch");
    expect(bad.json.detail).toMatch(/bandit\.json/);
  });

  it("keyless through the embedded CA: a Sigstore bundle, and the detached signature plus certificate, are permitted", async () => {
    const scan = makeScan("scan_keyless_1");
    const k = await keylessSign(scan);
    const viaBundle = await post("/v1/verify-and-permit-upload", uploadBody(scan, { signature: "", bundle: k.bundle }));
    expect(viaBundle.json.permitted, JSON.stringify(viaBundle.json)).toBe(true);
    expect(viaBundle.json.verification_proof.signer_inner).toBe(ASSURANCE);
    const detached = await post("/v1/verify-and-permit-upload", uploadBody(scan, { signature: k.signature, certificate: k.certificate }));
    expect(detached.json.permitted, JSON.stringify(detached.json)).toBe(true);
    permitted["keyless"] = { scan, body: uploadBody(scan, { signature: k.signature, certificate: k.certificate }), json: detached.json };
  });

  it("basic tier: permitted after the checks, no outer signature, nothing logged", async () => {
    const scan = makeScan("scan_basic_1");
    const k = await keylessSign(scan, "ci-runner@certus.cloud");
    const before = srv.server.stack.log.size;
    const r = await post("/v1/verify-and-permit-upload", uploadBody(scan, { signer: "ci-runner@certus.cloud", bundle: k.bundle }, "basic"));
    expect(r.json.permitted, JSON.stringify(r.json)).toBe(true);
    expect(r.json.verification_proof).toMatchObject({ inner_signature_valid: true, outer_signature_valid: false, rekor_entry_uuid: "", signer_outer: "" });
    expect(r.json.outer_bundle).toBeUndefined();
    expect(srv.server.stack.log.size).toBe(before);
  });

  it("refuses a placeholder, a malformed signature, a wrong signer, a changed hash and no artifacts: right reason, nothing logged, Transform not called", async () => {
    const scan = makeScan("scan_refused");
    const mallory = await keylessSign(scan, "mallory@evil.example");
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const changed = { ...scan, artifacts: scan.artifacts.map((a) => (a.name === "trivy.sarif.json" ? { ...a, hash: `sha256:${sha256("tampered")}` } : a)) };
    const cases: Array<[string, unknown, string]> = [
      ["placeholder", uploadBody(scan, { signature: "base64-encoded-signature" }), "placeholder_signature"],
      ["mock", uploadBody(scan, { signature: "mock-signature-1a2b3c4d" }), "placeholder_signature"],
      ["empty", uploadBody(scan, { signature: "" }), "placeholder_signature"],
      [
        "malformed",
        uploadBody(scan, { signature: Buffer.from(Array.from({ length: 40 }, (_, i) => (i * 37) % 256)).toString("base64") }),
        "malformed_signature",
      ],
      ["wrong keyless signer", uploadBody(scan, { signer: "mallory@evil.example", bundle: mallory.bundle }), "invalid_signer"],
      ["wrong signer claimed for the key", uploadBody(scan, { signer: "mallory@certus.cloud", signature: cosignSignBlob(scan.manifest) }), "invalid_signer"],
      ["unknown key", uploadBody(scan, { signature: cosignSignBlob(scan.manifest, other.privateKey) }), "signature_invalid"],
      ["changed file hash", uploadBody(changed, { signature: cosignSignBlob(scan.manifest) }), "artifact_hash_mismatch"],
      ["no artifacts", { ...uploadBody(scan, { signature: cosignSignBlob(scan.manifest) }), artifacts: [] }, "no_artifacts"],
    ];
    const logBefore = srv.server.stack.log.size;
    const callbacksBefore = callbacks.length;
    for (const [name, body, reason] of cases) {
      const r = await post("/v1/verify-and-permit-upload", body);
      expect(r.status, name).toBe(200);
      expect(r.json.permitted, name).toBe(false);
      expect(r.json.reason, `${name}: ${r.json.detail}`).toBe(reason);
      expect(r.json.detail, name).not.toBe("");
      expect(r.json.storage_config, name).toBeUndefined();
      expect(r.json.verification_proof.outer_signature_valid, name).toBe(false);
    }
    expect(srv.server.stack.log.size).toBe(logBefore);
    await new Promise((r) => setTimeout(r, 500));
    expect(callbacks.length).toBe(callbacksBefore);
  });

  it("a malformed request (tier, hash) is invalid_argument, and an unknown field is refused", async () => {
    const scan = makeScan("scan_bad");
    const good = uploadBody(scan, { signature: cosignSignBlob(scan.manifest) });
    expect((await post("/v1/verify-and-permit-upload", { ...good, tier: "gold" })).json.code).toBe("invalid_argument");
    expect((await post("/v1/verify-and-permit-upload", { ...good, artifacts: [{ name: "a", hash: "sha256:abc123", size: 1 }] })).json.message).toMatch(
      /artifacts\[0\]\.hash/,
    );
    expect((await post("/v1/verify-and-permit-upload", { ...good, surprise: 1 })).status).toBe(400);
  });
});

describe("verify-chain", () => {
  const locations = (scan: Scan, digest = `sha256:${sha256(scan.manifest)}`) => ({
    s3: { uri: `s3://certus-raw/demo/${scan.scanId}/manifest.json`, digest },
    registry: { uri: `oci://registry.certus.cloud/scans/demo@${digest}`, digest },
  });

  it("the outcome of a permitted verified upload verifies: every flag true", async () => {
    for (const which of ["key", "keyless"]) {
      const { scan, body, json } = permitted[which]!;
      const r = await post("/v1/verify-chain", {
        artifact_locations: {
          ...locations(scan),
          "trivy.sarif.json": { uri: `s3://certus-raw/demo/${scan.scanId}/trivy.sarif.json`, digest: scan.artifacts[2]!.hash },
        },
        signatures: {
          inner: body.inner_signature,
          outer: { rekor_entry_uuid: json.verification_proof.rekor_entry_uuid, cosign_signature: json.verification_proof.cosign_signature },
        },
        sigstore_entry_id: null,
      });
      expect(r.status).toBe(200);
      expect(r.json, `${which}: ${JSON.stringify(r.json.reasons)}`).toMatchObject({
        chain_verified: true,
        inner_signature_valid: true,
        outer_signature_valid: true,
        chain_unbroken: true,
        signer_inner: ASSURANCE,
        signer_outer: "certus-trust@certus.cloud",
        scan_id: scan.scanId,
        artifact_locations: { s3_valid: true, registry_valid: true, digests_match: true, content_identical: false },
        non_repudiation: { assurance_accountable: true, trust_verified: true, timestamp_authority: "rfc3161", provenance_chain: "complete" },
      });
      expect(Date.parse(r.json.sigstore_timestamp)).toBeGreaterThan(0);
      // The outer bundle itself, with no inner given (the one the outer records is checked).
      const byBundle = await post("/v1/verify-chain", { artifact_locations: locations(scan), signatures: { outer: { bundle: json.outer_bundle } } });
      expect(byBundle.json.chain_verified, JSON.stringify(byBundle.json.reasons)).toBe(true);
      expect(byBundle.json.artifact_locations.content_identical).toBe(true);
    }
  });

  it("an outer signature from another scan, or one changed digest: chain_verified false and the failing flag says why", async () => {
    const a = permitted["key"]!;
    const b = permitted["keyless"]!;
    const swapped = await post("/v1/verify-chain", {
      artifact_locations: locations(a.scan),
      signatures: { inner: a.body.inner_signature, outer: { rekor_entry_uuid: b.json.verification_proof.rekor_entry_uuid } },
    });
    expect(swapped.json).toMatchObject({ chain_verified: false, inner_signature_valid: true, outer_signature_valid: true, chain_unbroken: false });
    expect(swapped.json.reasons.join("\n")).toMatch(/chain: the outer signature \(scan scan_keyless_1\)/);
    expect(swapped.json.non_repudiation.provenance_chain).toBe("broken");

    const changed = await post("/v1/verify-chain", {
      artifact_locations: {
        ...locations(a.scan),
        "syft.spdx.json": { uri: `s3://certus-raw/demo/${a.scan.scanId}/syft.spdx.json`, digest: `sha256:${sha256("changed")}` },
      },
      signatures: { inner: a.body.inner_signature, outer: { rekor_entry_uuid: a.json.verification_proof.rekor_entry_uuid } },
    });
    expect(changed.json).toMatchObject({ chain_verified: false, inner_signature_valid: true, outer_signature_valid: true, chain_unbroken: true });
    expect(changed.json.artifact_locations).toMatchObject({ digests_match: false, s3_valid: false, registry_valid: true });
    expect(changed.json.reasons.join("\n")).toMatch(/syft\.spdx\.json: digest .* is not the signed digest/);

    const noOuter = await post("/v1/verify-chain", { artifact_locations: locations(a.scan), signatures: { inner: a.body.inner_signature } });
    expect(noOuter.json).toMatchObject({ chain_verified: false, inner_signature_valid: true, outer_signature_valid: false });
  });
});

describe("legacy Certus-Integrity /v1/sign and the tooling paths", () => {
  it("the legacy body gets a real message signature, a real log entry and a Deprecation header; the new form still works", async () => {
    const artifact = Buffer.from("integrity evidence bundle 7\n");
    const r = await post("/v1/sign", {
      artifact: sha256(artifact),
      artifact_type: "report",
      subject: "certus-ask:eval-7",
      predicates: { run: "7", scores: { faithfulness: 0.9 } },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.headers.get("deprecation")).toMatch(/^@\d+$/);
    expect(r.headers.get("link")).toMatch(/successor-version/);
    expect(r.json.entry_id).toMatch(/^[0-9a-f]{64}$/);
    expect(r.json.transparency_entry.uuid).toBe(r.json.entry_id);
    const cert = new X509Certificate(r.json.certificate);
    expect(cert.subjectAltName).toMatch(/certus-trust@certus\.cloud/);
    expect(nodeVerify("sha256", artifact, cert.publicKey, Buffer.from(r.json.signature, "base64"))).toBe(true);
    const entry = await get(`/v1/transparency?uuid=${r.json.entry_id}`);
    expect(entry.status, JSON.stringify(entry.json)).toBe(200);
    expect(JSON.stringify(entry.json)).toContain(r.json.entry_id);
    stockVerify(trustedRoot, r.json.bundle, artifact, { subjectAlternativeName: "certus-trust@certus.cloud" });

    const modern = await post("/v1/sign", { artifact: { digest: `sha256:${sha256(artifact)}` } });
    expect(modern.status).toBe(200);
    expect(modern.headers.get("deprecation")).toBeNull();
    expect(modern.json.bundle).toBeDefined();
  });

  it("health, ready, stats, provenance and the TUF role aliases", async () => {
    expect((await get("/v1/health")).json.status).toBe("healthy");
    const ready = await get("/v1/ready");
    expect(ready.json).toMatchObject({ ready: true, checks: { fulcio: true, rekor: true } });
    expect(ready.json.components.map((c: WireJson) => c.name).sort()).toEqual(["fulcio", "keycloak", "rekor", "tuf"]);

    const stats = await get("/v1/stats");
    expect(Number(stats.json.total_transparency_entries)).toBe(srv.server.stack.log.size);
    expect(Number(stats.json.total_signatures)).toBeGreaterThanOrEqual(4);
    expect(Number(stats.json.verification_stats.total)).toBeGreaterThanOrEqual(5);
    expect(Number(stats.json.verification_stats.failed)).toBeGreaterThanOrEqual(3);
    expect(stats.json.signers).toEqual(expect.arrayContaining([ASSURANCE, "certus-trust@certus.cloud"]));

    const { scan, json } = permitted["key"]!;
    const prov = await get(`/v1/provenance/${scan.scanId}`);
    expect(prov.status, JSON.stringify(prov.json)).toBe(200);
    expect(prov.json).toMatchObject({ scan_id: scan.scanId, chain_status: "complete", trust_level: "high" });
    expect(prov.json.manifest).toMatchObject({ digest: `sha256:${sha256(scan.manifest)}`, signed_by: ASSURANCE });
    expect(prov.json.outer_signature.log_entry_uuid).toBe(json.verification_proof.rekor_entry_uuid);
    expect(prov.json.permissions[0]).toMatchObject({ upload_permission_id: json.upload_permission_id, permitted: true, transform_callback: "delivered" });
    const trail = prov.json.verification_trail.map((t: WireJson) => `${t.action}:${t.result}`);
    expect(trail[0]).toBe("permit-upload:allowed");
    expect(trail).toEqual(expect.arrayContaining(["verify-chain:verified", "verify-chain:rejected"]));
    expect((await get("/v1/provenance/no-such-scan")).status).toBe(404);

    for (const role of ["root", "targets", "snapshot", "timestamp"]) {
      const r = await fetch(`${srv.url}/v1/keys/${role}.json`);
      const text = await r.text();
      if (r.status === 200) expect(JSON.parse(text).signed._type).toBe(role);
      else expect(JSON.parse(text).message).toMatch(/TUF/);
    }
  });
});
