/**
 * Bundles whose leaf certificate is genuinely issued by a running service's CA (same keys, same
 * chain) but whose embedded SCT is valid, removed or altered, logged and timestamped by the
 * service's own Rekor and TSA endpoints through stock @sigstore/sign witnesses. Only the SCT
 * differs between the variants, so a verifier that accepts "valid" and refuses the others is
 * refusing because of the SCT.
 *
 * The SCT of "valid" and "altered" is signed with the service's CT log key but not logged: a
 * verifier of an embedded SCT cannot tell (only a monitor can); that is what makes these
 * fixtures possible without writing to the log under test.
 */
import { generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { bundleToJSON, type SerializedBundle } from "@sigstore/bundle";
import { MessageSignatureBundleBuilder, RekorWitness, TSAWitness, type Signer } from "@sigstore/sign";
import { EmbeddedCA } from "../../src/sigstore/embedded/ca.js";
import { extensionsOf, oidDer, replaceExtension, splitCertificate } from "../../src/sigstore/embedded/ct/certificate-der.js";
import type { PrecertificateLog } from "../../src/sigstore/embedded/ct/precertificate-log.js";
import { OID_CT_POISON, serializeSct, sctSignatureInput, sha256 } from "../../src/sigstore/embedded/ct/sct.js";
import { KeyStore } from "../../src/sigstore/keys/key-store.js";
import { X509Certificate } from "node:crypto";

/** What happens to the leaf's SCT. */
export type SctVariant = "valid" | "removed" | "altered";

/** The identity and issuer the variant bundles are issued for. */
export const SCT_FIXTURE_IDENTITY = "sct-fixture@example.com";
export const SCT_FIXTURE_ISSUER = "https://sct-fixture.example";

/** A CT log stand-in that signs SCTs with the real CT key without logging; "altered" moves the timestamp after signing. */
function unloggedLog(keys: KeyStore, altered: boolean): PrecertificateLog {
  const signer = keys.signer("ctlog");
  const logId = sha256(signer.publicKeySpki);
  return {
    logId,
    async submit(precert, chain) {
      const tbs = replaceExtension(splitCertificate(precert).tbs, oidDer(OID_CT_POISON), undefined);
      if (extensionsOf(tbs).length === 0) throw new Error("unexpected empty extensions");
      const issuerSpki = new X509Certificate(Buffer.from(chain[0]!)).publicKey.export({ type: "spki", format: "der" });
      const timestamp = Date.now();
      const signature = await signer.sign(sctSignatureInput({ timestamp, issuerKeyHash: sha256(issuerSpki), tbsCertificate: tbs }));
      return serializeSct(logId, altered ? timestamp + 1 : timestamp, signature);
    },
  };
}

/** A message-signature bundle over `artifact` whose leaf carries the given SCT variant. */
export async function bundleWithSct(service: { url: string; dataDir: string }, variant: SctVariant, artifact: Buffer): Promise<SerializedBundle> {
  const keys = await KeyStore.open(service.dataDir, { purposes: ["ca-root", "ca-intermediate", "ctlog"] });
  const ca = await EmbeddedCA.open({
    directory: keys.directory,
    rootKey: keys.signer("ca-root"),
    intermediateKey: keys.signer("ca-intermediate"),
    ...(variant === "removed" ? {} : { ctLog: unloggedLog(keys, variant === "altered") }),
  });
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const leaf = await ca.issueLeaf({
    publicKey: publicKey.export({ type: "spki", format: "der" }),
    identity: SCT_FIXTURE_IDENTITY,
    oidcIssuer: SCT_FIXTURE_ISSUER,
  });
  const signer: Signer = {
    sign(data) {
      return Promise.resolve({ signature: cryptoSign("sha256", data, privateKey), key: { $case: "x509Certificate", certificate: leaf.certificatePem } });
    },
  };
  const builder = new MessageSignatureBundleBuilder({
    signer,
    witnesses: [new RekorWitness({ rekorBaseURL: service.url, retry: 0 }), new TSAWitness({ tsaBaseURL: service.url, retry: 0 })],
  });
  return bundleToJSON(await builder.create({ data: artifact }));
}
