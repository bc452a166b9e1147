/** Shared fixtures for log tests: a P-256 KeySigner, temp dirs and Rekor-shaped bodies. */
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { json } from "@sigstore/core";
import type { KeySigner } from "../../../src/sigstore/keys/key-signer.js";

export interface TestSigner extends KeySigner {
  readonly publicKey: KeyObject;
}

/** A KeySigner over a fresh in-memory P-256 key. */
export function makeSigner(name = "tlog-test"): TestSigner {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    name,
    publicKey,
    publicKeySpki: publicKey.export({ format: "der", type: "spki" }),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    sign: (data) => Promise.resolve(sign("sha256", data, privateKey)),
  };
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = "tlog-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Canonical hashedrekord/0.0.1 body for a (fake but well-formed) signature over `digestHex`. */
export function hashedRekordBody(digestHex: string, signatureB64 = "MEUCIQ==", publicKeyB64 = "LS0t"): Buffer {
  return Buffer.from(
    json.canonicalize({
      apiVersion: "0.0.1",
      kind: "hashedrekord",
      spec: {
        data: { hash: { algorithm: "sha256", value: digestHex } },
        signature: { content: signatureB64, publicKey: { content: publicKeyB64 } },
      },
    }),
    "utf8",
  );
}

/** An append request for the n-th distinct test artifact. */
export function request(n: number, extra: { signerSubject?: string } = {}) {
  const digest = n.toString(16).padStart(64, "0");
  return {
    kind: "hashedrekord" as const,
    apiVersion: "0.0.1" as const,
    canonicalBody: hashedRekordBody(digest),
    artifactDigest: `sha256:${digest}`,
    ...extra,
  };
}
