/**
 * Entries from the log, as `toTransparencyLogEntry()` serializes them, pass the stock
 * `@sigstore/verify` Verifier: SET, signed checkpoint (name vs baseUrl, key hint), Merkle path and
 * hashedrekord body — and flipped bytes are refused.
 */
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { json } from "@sigstore/core";
import { bundleFromJSON, type SerializedBundle } from "@sigstore/bundle";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toTransparencyLogEntry } from "../../../src/sigstore/embedded/tlog/entry.js";
import { EmbeddedTransparencyLog } from "../../../src/sigstore/embedded/tlog/log.js";
import { makeSigner, tempDir } from "./fixtures.js";

const ORIGIN = "tlog.certus.example";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("@sigstore/verify accepts our log entries", () => {
  it("verifies a message-signature bundle built from toTransparencyLogEntry()", async () => {
    const logSigner = makeSigner();
    const t = tempDir();
    cleanups.push(t.cleanup);
    const log = await EmbeddedTransparencyLog.open({ dataDir: t.dir, signer: logSigner, origin: ORIGIN });
    cleanups.push(() => log.close());

    const artifactKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const artifact = Buffer.from("hello, transparency");
    const digest = createHash("sha256").update(artifact).digest();
    const signature = sign("sha256", artifact, artifactKey.privateKey);
    const pem = artifactKey.publicKey.export({ format: "pem", type: "spki" }).toString();
    const body = Buffer.from(
      json.canonicalize({
        apiVersion: "0.0.1",
        kind: "hashedrekord",
        spec: {
          data: { hash: { algorithm: "sha256", value: digest.toString("hex") } },
          signature: { content: signature.toString("base64"), publicKey: { content: Buffer.from(pem).toString("base64") } },
        },
      }),
    );
    // Some unrelated entries first so the proof has a real path.
    for (let i = 0; i < 5; i++) {
      await log.append({
        kind: "hashedrekord",
        apiVersion: "0.0.1",
        canonicalBody: Buffer.from(json.canonicalize({ apiVersion: "0.0.1", kind: "hashedrekord", n: i })),
      });
    }
    const entry = await log.append({ kind: "hashedrekord", apiVersion: "0.0.1", canonicalBody: body });

    const start = new Date((entry.integratedTime - 60) * 1000).toISOString();
    const trustedRoot = TrustedRoot.fromJSON({
      mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      tlogs: [
        {
          baseUrl: `https://${ORIGIN}`,
          hashAlgorithm: "SHA2_256",
          publicKey: { rawBytes: logSigner.publicKeySpki.toString("base64"), keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start } },
          logId: { keyId: entry.logId.keyId.toString("base64") },
        },
      ],
      certificateAuthorities: [],
      ctlogs: [],
      timestampAuthorities: [],
    });
    const keys = {
      "artifact-key": {
        rawBytes: artifactKey.publicKey.export({ format: "der", type: "spki" }),
        keyDetails: 5, // PKIX_ECDSA_P256_SHA_256
        validFor: { start: new Date(start), end: undefined },
      },
    };
    // A key-signed bundle: no certificate, so no SCT to require (the default ctlogThreshold applies only to certificates).
    const verifier = new Verifier(toTrustMaterial(trustedRoot, keys), { tlogThreshold: 1, timestampThreshold: 0 });

    const bundleJSON = (tlogEntry = toTransparencyLogEntry(entry)): SerializedBundle => ({
      mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      verificationMaterial: {
        publicKey: { hint: "artifact-key" },
        x509CertificateChain: undefined,
        certificate: undefined,
        tlogEntries: [tlogEntry],
        timestampVerificationData: undefined,
      },
      dsseEnvelope: undefined,
      messageSignature: { messageDigest: { algorithm: "SHA2_256", digest: digest.toString("base64") }, signature: signature.toString("base64") },
    });
    const check = (b: SerializedBundle) => verifier.verify(toSignedEntity(bundleFromJSON(b), artifact));
    expect(() => check(bundleJSON())).not.toThrow();

    const flip = (b64: string, at = 5): string => {
      const bytes = Buffer.from(b64, "base64");
      bytes[at % bytes.length]! ^= 1;
      return bytes.toString("base64");
    };
    const good = toTransparencyLogEntry(entry);
    const proof = good.inclusionProof!;
    const tampered = [
      { ...good, inclusionPromise: { signedEntryTimestamp: flip(good.inclusionPromise!.signedEntryTimestamp, 20) } },
      { ...good, integratedTime: String(entry.integratedTime + 1) },
      { ...good, inclusionProof: { ...proof, hashes: [flip(proof.hashes[0]!), ...proof.hashes.slice(1)] } },
      {
        ...good,
        inclusionProof: { ...proof, checkpoint: { envelope: proof.checkpoint.envelope.replace(`\n${proof.treeSize}\n`, `\n${Number(proof.treeSize) + 1}\n`) } },
      },
    ];
    const codes = tampered.map((bad) => {
      try {
        check(bundleJSON(bad));
        return "accepted";
      } catch (err) {
        return (err as { code?: string }).code;
      }
    });
    expect(codes).toEqual(["TLOG_INCLUSION_PROMISE_ERROR", "TLOG_INCLUSION_PROMISE_ERROR", "TLOG_INCLUSION_PROOF_ERROR", "TLOG_INCLUSION_PROOF_ERROR"]);
    // A checkpoint name the trusted root's baseUrl does not contain is refused.
    const renamed = proof.checkpoint.envelope.replace(`\u2014 ${ORIGIN} `, "\u2014 other.example ");
    expect(() => check(bundleJSON({ ...good, inclusionProof: { ...proof, checkpoint: { envelope: renamed } } }))).toThrow(/checkpoint/);
  });
});
