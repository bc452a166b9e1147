/**
 * Mints distinct bundles for the verify benchmark: every bundle has its own ephemeral P-256 key,
 * its own leaf certificate from the embedded CA, its own signature, log entry and timestamp.
 *
 * Why not sign them through the API: the service reuses one leaf certificate for up to ten
 * minutes, so bundles signed through it share a certificate and a verifier's per-certificate memo
 * (src/sigstore/verify/certificate-memo.ts, 1,024 leaves) would answer for all of them. The bench
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
import { EmbeddedStack } from "../src/sigstore/embedded/stack.js";
import { signDsse } from "../src/sigstore/signing-pipeline.js";
import { outerStatement } from "../src/service/statement.js";

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
    sign: async (data: Buffer) => ({
      signature: nodeSign("sha256", data, { key: privateKey, dsaEncoding: "der" }),
      key: { $case: "x509Certificate", certificate: leaf.certificatePem },
    }),
  };
}

/** Mints `n` DSSE bundles, each with its own leaf certificate, into the log at `dataDir`. */
export async function mintBundles(dataDir: string, n: number): Promise<MintedBundle[]> {
  const stack = await EmbeddedStack.open({ dataDir, publicUrl: "", identity: MINT_IDENTITY, issuer: MINT_ISSUER });
  try {
    const out: MintedBundle[] = new Array(n);
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
