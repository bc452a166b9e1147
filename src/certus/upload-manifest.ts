/**
 * The upload manifest: what Certus-Assurance's inner signature covers. It is the RFC 8785
 * canonical JSON of
 *
 *   {"artifacts":[{"hash":"sha256:<hex>","name":"<file>","size":<bytes>},…],"scan_id":"<id>"}
 *
 * with every artifact of the request except one named `manifest.json`, sorted by name (UTF-16
 * code units, as JavaScript sorts). Assurance writes exactly these bytes to `manifest.json` and
 * signs them (`cosign sign-blob manifest.json`); the service recomputes them from the request, so
 * a changed name, hash or size, an added or dropped artifact, or another scan id changes the
 * digest and the signature no longer verifies. When `manifest.json` is listed among the
 * artifacts, its hash must be this manifest's digest (it is the file Transform will store).
 */
import { createHash } from "node:crypto";
import { json } from "@sigstore/core";

/** The name of the manifest file among a scan's artifacts. */
export const MANIFEST_NAME = "manifest.json";

/** One artifact as the manifest lists it. */
export interface ManifestArtifact {
  readonly name: string;
  /** `sha256:<64 lowercase hex>` */
  readonly hash: string;
  readonly size: number;
}

/** The canonical manifest bytes for a scan's artifacts (any `manifest.json` entry left out). */
export function uploadManifestBytes(scanId: string, artifacts: readonly ManifestArtifact[]): Buffer {
  const listed = artifacts
    .filter((a) => a.name !== MANIFEST_NAME)
    .map((a) => ({ hash: a.hash, name: a.name, size: a.size }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Buffer.from(json.canonicalize({ artifacts: listed, scan_id: scanId }), "utf8");
}

/** `sha256:<hex>` of the canonical manifest. */
export function uploadManifestDigest(scanId: string, artifacts: readonly ManifestArtifact[]): string {
  return `sha256:${createHash("sha256").update(uploadManifestBytes(scanId, artifacts)).digest("hex")}`;
}
