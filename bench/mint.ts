/**
 * Mints distinct bundles for the verify benchmark: every bundle has its own ephemeral P-256 key,
 * its own leaf certificate from the embedded CA, its own signature, log entry and timestamp.
 *
 * Why not sign them through the API: the service reuses one leaf certificate for up to ten
 * minutes, so bundles signed through it share a certificate and a verifier's per-certificate memo
 * (src/sigstore/verify/certificate-memo.ts, 64 leaves per thread) would answer for all of them. The bench
 * needs more distinct leaves than any such memo holds, cycled, so every verification pays for its
 * certificate as a verification of a stranger's bundle does.
 *
 * The stack is opened in this process on the data directory the measured server will use, and
 * closed before that server starts: same CA, log and TSA, so the server verifies the bundles as
 * its own. The signatures go through the service's own signing pipeline (`signDsse`).
 */
import { createHash, generateKeyPairSync, sign as nodeSign } from "node:crypto";
import type { SerializedBundle } from "@sigstore/bundle";
import type { Signer } from "@sigstore/sign";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { TrustService } from "@certus/trust-sdk";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { EmbeddedStack } from "../src/sigstore/embedded/stack.js";
import { signDsse } from "../src/sigstore/signing-pipeline.js";
import { outerStatement } from "../src/rpc/statement.js";

/** The identity in the minted certificates (the service's default identity). */
export const MINT_IDENTITY = "certus-trust@certus.cloud";
/** OIDC issuer written into the minted certificates. */
export const MINT_ISSUER = "https://bench.certus-trust.invalid";
/** Bundles signed at once (the log's group commit batches them). */
const PARALLEL = 32;

/** One minted DSSE bundle and the digest of the artifact its statement names. */
export interface MintedBundle {
  readonly bundle: SerializedBundle;
  /** `sha256:<hex>` of the artifact. */
  readonly digest: string;
}

/** A `Signer` with a key and certificate of its own, used for one bundle only. */
async function freshSigner(stack: EmbeddedStack): Promise<Signer> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const leaf = await stack.ca.issueLeaf({ publicKey: publicKey.export({ type: "spki", format: "der" }), identity: MINT_IDENTITY, oidcIssuer: MINT_ISSUER });
  return {
    sign: (data: Buffer) =>
      Promise.resolve({
        signature: nodeSign("sha256", data, { key: privateKey, dsaEncoding: "der" }),
        key: { $case: "x509Certificate" as const, certificate: leaf.certificatePem },
      }),
  };
}

/** Mints `n` DSSE bundles, each with its own leaf certificate, into the log at `dataDir`. */
export async function mintBundles(dataDir: string, n: number): Promise<MintedBundle[]> {
  const stack = await EmbeddedStack.open({ dataDir, publicUrl: "", identity: MINT_IDENTITY, issuer: MINT_ISSUER, defaultIssuer: MINT_ISSUER });
  try {
    const out = new Array<MintedBundle>(n);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < n; i = next++) {
        const digestHex = createHash("sha256").update(`bench minted artifact ${i}`).digest("hex");
        const statement = outerStatement({
          uri: `oci://bench/minted@sha256:${digestHex}`,
          digestHex,
          requester: "bench",
          signedAt: new Date(),
          signer: { subject: MINT_IDENTITY, issuer: MINT_ISSUER },
        });
        const signer = await freshSigner(stack);
        const bundle = await signDsse(signer, stack.witnessesFor({ artifactDigest: `sha256:${digestHex}`, signerSubject: MINT_IDENTITY }).all, statement);
        out[i] = { bundle, digest: `sha256:${digestHex}` };
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    return out;
  } finally {
    await stack.close();
  }
}

/**
 * Verifies a sample of the bundles through the server's API (a bundle it rejects is a broken
 * bench), and one with a flipped signature byte, which it must reject.
 * @throws Error naming the bundle and the server's failures
 */
export async function checkMintedBundles(url: string, bundles: readonly MintedBundle[], sample: number): Promise<void> {
  const client = createClient(TrustService, createGrpcTransport({ baseUrl: url }));
  const step = Math.max(1, Math.floor(bundles.length / sample));
  for (let i = 0; i < bundles.length; i += step) {
    const b = bundles[i]!;
    const r = await client.verify({
      artifact: { digest: b.digest },
      bundle: fromJson(BundleSchema, b.bundle as unknown as JsonValue),
      expectedSigner: { subject: MINT_IDENTITY },
    });
    if (!r.verified) throw new Error(`minted bundle ${i} does not verify: ${r.failures.map((f) => `${f.code}: ${f.message}`).join("; ")}`);
  }
  // And a bundle with one signature byte flipped must be refused, or the figures measure a yes-sayer.
  const tampered = JSON.parse(JSON.stringify(bundles[0]!.bundle)) as { dsseEnvelope: { signatures: Array<{ sig: string }> } };
  const sig = Buffer.from(tampered.dsseEnvelope.signatures[0]!.sig, "base64");
  sig[sig.length - 1]! ^= 0x01;
  tampered.dsseEnvelope.signatures[0]!.sig = sig.toString("base64");
  const r = await client.verify({
    artifact: { digest: bundles[0]!.digest },
    bundle: fromJson(BundleSchema, tampered as unknown as JsonValue),
    expectedSigner: { subject: MINT_IDENTITY },
  });
  if (r.verified) throw new Error("a minted bundle with a flipped signature byte verified: the verify figures would mean nothing");
}
