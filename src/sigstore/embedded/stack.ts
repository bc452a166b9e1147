/**
 * The embedded Sigstore stack, opened at start-up from the data directory: keys, CA, TSA,
 * transparency log, the service's signing identity and the trusted root that verifies all of it.
 * Nothing is regenerated on restart: the trusted root stays byte-identical.
 */
import { createHash } from "node:crypto";
import type { Witness } from "@sigstore/sign";
import { ensurePrivateDirectory } from "../keys/atomic-file.js";
import { KeyStore } from "../keys/key-store.js";
import { EmbeddedCA } from "./ca.js";
import { loadInstanceIdentity, type InstanceIdentity } from "./instance.js";
import { ServiceIdentity } from "./service-identity.js";
import { EmbeddedTransparencyLog } from "./tlog/log.js";
import { buildTrustedRoot, type TrustedRootJson } from "./trusted-root.js";
import { EmbeddedTSA } from "./tsa.js";
import { EmbeddedLogWitness, type EntryIndexKeys } from "./tlog-witness.js";

export interface EmbeddedStackOptions {
  dataDir: string;
  /** URL clients use; fixes the instance's base URL on first start when set. */
  publicUrl: string;
  /** The service's signing identity (certificate SAN). */
  identity: string;
  /** OIDC issuer written into the service's certificates. */
  issuer: string;
}

/** A public key the service holds, for GetKeys. */
export interface PublishedKey {
  purpose: "CA_ROOT" | "CA_INTERMEDIATE" | "TLOG" | "TSA_ROOT" | "TSA";
  keyId: string;
  publicKeyPem: string;
  validFrom: Date;
  validTo?: Date;
}

export class EmbeddedStack {
  private constructor(
    readonly instance: InstanceIdentity,
    readonly keys: KeyStore,
    readonly ca: EmbeddedCA,
    readonly tsa: EmbeddedTSA,
    readonly log: EmbeddedTransparencyLog,
    readonly signer: ServiceIdentity,
    readonly trustedRoot: TrustedRootJson,
  ) {}

  static async open(opts: EmbeddedStackOptions): Promise<EmbeddedStack> {
    await ensurePrivateDirectory(opts.dataDir);
    const instance = await loadInstanceIdentity(opts.dataDir, opts.publicUrl);
    const keys = await KeyStore.open(opts.dataDir);
    const ca = await EmbeddedCA.open({ directory: keys.directory, rootKey: keys.signer("ca-root"), intermediateKey: keys.signer("ca-intermediate") });
    const tsa = await EmbeddedTSA.open({ directory: keys.directory, rootKey: keys.signer("tsa-root"), signingKey: keys.signer("tsa") });
    const log = await EmbeddedTransparencyLog.open({ dataDir: opts.dataDir, signer: keys.signer("tlog"), origin: instance.origin });
    const signer = new ServiceIdentity({ ca, issuer: opts.issuer, identity: opts.identity });
    const trustedRoot = buildTrustedRoot({
      ca,
      tsa,
      caUri: instance.baseUrl,
      tsaUri: `${instance.baseUrl}/api/v1/timestamp`,
      tlog: { baseUrl: instance.baseUrl, publicKeySpki: keys.signer("tlog").publicKeySpki, validFrom: keys.createdAt("tlog") },
    });
    return new EmbeddedStack(instance, keys, ca, tsa, log, signer, trustedRoot);
  }

  /** Witnesses for one signature: a log witness (remembering its entry) and the TSA. */
  witnessesFor(keys: EntryIndexKeys): { log: EmbeddedLogWitness; all: Witness[] } {
    const log = new EmbeddedLogWitness(this.log, keys);
    return { log, all: [log, this.tsa.witness()] };
  }

  /** Every public key with its purpose and validity. */
  publishedKeys(): PublishedKey[] {
    const spkiPem = (der: Uint8Array) => `-----BEGIN PUBLIC KEY-----\n${Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END PUBLIC KEY-----\n`;
    const key = (purpose: PublishedKey["purpose"], name: Parameters<KeyStore["signer"]>[0], validFrom: Date): PublishedKey => {
      const spki = this.keys.signer(name).publicKeySpki;
      return { purpose, keyId: createHash("sha256").update(spki).digest("hex"), publicKeyPem: spkiPem(spki), validFrom };
    };
    return [
      key("CA_ROOT", "ca-root", this.ca.validFrom),
      key("CA_INTERMEDIATE", "ca-intermediate", this.ca.validFrom),
      key("TLOG", "tlog", new Date(this.trustedRoot.tlogs[0]!.publicKey.validFor.start)),
      key("TSA_ROOT", "tsa-root", this.tsa.validFrom),
      key("TSA", "tsa", this.tsa.validFrom),
    ];
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}
