/**
 * The Certus upload flow as tests drive it: the policy that names Certus-Assurance's inner-signing
 * key, and an upload-permission request whose manifest that key signed.
 */
import { createHash, sign as nodeSign, type KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";

/**
 * A policy file with the Certus tiers: `default`, and `certus-upload-verified` whose inner signers
 * are the given YAML lines (each rule at six spaces, e.g. from {@link publicKeyRule}).
 */
export function writeCertusTierPolicy(file: string, innerSigners: readonly string[]): void {
  writeFileSync(
    file,
    ["policies:", "  default:", "    mode: enforce", "  certus-upload-verified:", "    mode: enforce", "    innerSigners:", ...innerSigners, ""].join("\n"),
  );
}

/** The YAML lines of an inner-signer rule: `subject` signing with the key `publicKeyPem`. */
export function publicKeyRule(subject: string, publicKeyPem: string): string[] {
  return [
    `      - subject: ${subject}`,
    "        publicKey: |",
    ...publicKeyPem
      .trim()
      .split("\n")
      .map((l) => `          ${l}`),
  ];
}

/** The policy file of the Certus upload flow: inner signatures by `assurance` with `publicKeyPem`. */
export function writeCertusPolicy(file: string, assurance: string, publicKeyPem: string): void {
  writeCertusTierPolicy(file, publicKeyRule(assurance, publicKeyPem));
}

/** A Certus upload-permission request for `scanId`, its manifest signed by `assurance` with `key`. */
export function certusUploadRequest(scanId: string, assurance: string, key: KeyObject) {
  const files = { "trivy.sarif.json": Buffer.from(`{"scan":"${scanId}"}`), "syft.spdx.json": Buffer.from(`{"name":"${scanId}"}`) };
  const listed = Object.entries(files)
    .map(([name, b]) => ({ hash: `sha256:${createHash("sha256").update(b).digest("hex")}`, name, size: b.length }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const manifest = Buffer.from(JSON.stringify({ artifacts: listed, scan_id: scanId }));
  const manifestDigest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
  const inner = {
    signer: assurance,
    timestamp: "2026-01-15T14:32:45Z",
    signature: nodeSign("sha256", manifest, { key, dsaEncoding: "der" }).toString("base64"),
    algorithm: "ECDSA-P256-SHA256",
    certificate: null,
  };
  const body = {
    scan_id: scanId,
    tier: "verified",
    inner_signature: inner,
    artifacts: [...listed, { name: "manifest.json", hash: manifestDigest, size: manifest.length }],
    metadata: { git_url: "https://github.com/certus/demo.git", branch: "main", commit: "0123456789abcdef0123456789abcdef01234567", requested_by: null },
    storage_destinations: { raw_s3: true, oci_registry: false },
  };
  return { body, inner, manifestDigest };
}
