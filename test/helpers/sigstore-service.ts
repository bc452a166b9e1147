/**
 * What the real-Sigstore interop tests do to a sigstore-mode service and its bundles, whichever
 * Rekor is behind it: call its JSON API, sign an artifact, verify a bundle with unmodified
 * `@sigstore/verify` and with cosign, check a GetTransparency entry's inclusion proof with the
 * independent RFC 6962 code (test/helpers/rfc6962.ts). Used by the real-sigstore*.test.ts suites;
 * the Certus upload request they send is built by test/helpers/certus-upload.ts.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { expect } from "vitest";
// @ts-expect-error -- a plain .mjs script without declarations
import { COSIGN_VERSION, cosignPath, installedVersion } from "../../scripts/setup-cosign.mjs";
import { hashLeaf, verifyInclusion } from "./rfc6962.js";
import type { WireJson } from "./wire-json.js";

export const COSIGN: string = cosignPath();
/** Why cosign cannot run here, or undefined. */
export const cosignMissing: string | undefined =
  installedVersion(COSIGN) === COSIGN_VERSION ? undefined : `cosign ${COSIGN_VERSION} is not built (node scripts/setup-cosign.mjs)`;

/** Runs cosign, away from the user's ~/.sigstore and the public-good TUF repository. */
export function cosign(args: string[], home: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(COSIGN, args, {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
      env: { PATH: process.env["PATH"] ?? "", HOME: home, TUF_ROOT: join(home, "tuf"), SIGSTORE_NO_CACHE: "true" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (status) => resolve({ status, out }));
  });
}

export type SignFormat = "SIGNATURE_FORMAT_DSSE" | "SIGNATURE_FORMAT_MESSAGE_SIGNATURE";

/** A sigstore-mode service's JSON API at `baseUrl`. */
export function serviceApi(baseUrl: () => string) {
  const call = async (method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; json: WireJson; headers: Headers }> => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json(), headers: res.headers };
  };
  const sign = async (text: string, format: SignFormat = "SIGNATURE_FORMAT_DSSE") => {
    const content = Buffer.from(text);
    const artifact = { content, digest: `sha256:${createHash("sha256").update(content).digest("hex")}` };
    const r = await call("POST", "/v1/sign", { artifact: { uri: `s3://certus-artifacts/${text}`, digest: artifact.digest }, format });
    return { ...r, artifact };
  };
  return { call, sign };
}

/** Unmodified @sigstore/verify with `trustedRoot` and its default thresholds: one SCT, one log entry, one timestamp. */
export function stockVerify(
  trustedRoot: Record<string, unknown>,
  bundle: unknown,
  artifact: Buffer | undefined,
  signer: { subject: string; issuer: string },
): void {
  const root = TrustedRoot.fromJSON(trustedRoot);
  expect(root.ctlogs).toHaveLength(1);
  const verifier = new Verifier(toTrustMaterial(root), { ctlogThreshold: 1, tlogThreshold: 1, timestampThreshold: 1 });
  verifier.verify(toSignedEntity(bundleFromJSON(bundle), artifact), {
    subjectAlternativeName: signer.subject,
    extensions: { issuer: signer.issuer },
  });
}

/** The independent RFC 6962 check of an entry from GetTransparency against its signed checkpoint. */
export function checkEntry(e: WireJson): void {
  const proof = e.inclusionProof;
  const note: string = proof.checkpoint;
  const [, size, root] = note.split("\n");
  expect(Number(size)).toBe(Number(proof.treeSize));
  expect(root).toBe(Buffer.from(proof.rootHash, "base64").toString("base64"));
  const ok = verifyInclusion(
    hashLeaf(Buffer.from(e.body, "base64")),
    Number(proof.logIndex),
    Number(proof.treeSize),
    proof.hashes.map((h: string) => Buffer.from(h, "base64")),
    Buffer.from(proof.rootHash, "base64"),
  );
  expect(ok, `inclusion of ${e.logIndex}`).toBe(true);
}
