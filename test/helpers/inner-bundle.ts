/**
 * Makes inner bundles the way Certus-Assurance does: a keyless signature by another identity
 * (certificate from the service's embedded CA, logged in its transparency log, timestamped by its
 * TSA), over an in-toto statement naming the artifact digest.
 */
import { generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { bundleToJSON } from "@sigstore/bundle";
import { DSSEBundleBuilder, type Signer } from "@sigstore/sign";
import type { EmbeddedStack } from "../../src/sigstore/embedded/stack.js";

export async function makeInnerBundle(stack: EmbeddedStack, opts: { identity: string; issuer: string; digest: string; name?: string }): Promise<unknown> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const cert = await stack.ca.issueLeaf({ publicKey: publicKey.export({ format: "der", type: "spki" }), identity: opts.identity, oidcIssuer: opts.issuer });
  const signer: Signer = {
    sign: (data: Buffer) =>
      Promise.resolve({ signature: cryptoSign("sha256", data, privateKey), key: { $case: "x509Certificate" as const, certificate: cert.certificatePem } }),
  };
  const statement = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: opts.name ?? "scan.json", digest: { sha256: opts.digest.replace(/^sha256:/, "") } }],
    predicateType: "https://certus.cloud/assurance/scan/v1",
    predicate: { scanner: "certus-assurance", result: "pass" },
  };
  const builder = new DSSEBundleBuilder({ signer, witnesses: stack.witnessesFor({ artifactDigest: opts.digest, signerSubject: opts.identity }).all });
  const bundle = await builder.create({ data: Buffer.from(JSON.stringify(statement)), type: "application/vnd.in-toto+json" });
  return bundleToJSON(bundle);
}
