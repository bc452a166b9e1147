/**
 * The embedded Sigstore stack, opened at start-up from the data directory: keys, CA, TSA,
 * transparency log, the service's signing identity and the trusted root that verifies all of it.
 * Nothing is regenerated on restart: the trusted root stays byte-identical.
 */
import { pem } from "@sigstore/core";
import { createHash } from "node:crypto";
import path from "node:path";
import type { Witness } from "@sigstore/sign";
import { ensurePrivateDirectory } from "../../fs/atomic-file.js";
import { KeyStore, STACK_KEY_PURPOSES } from "../keys/key-store.js";
import { EmbeddedCA } from "./ca.js";
import { ctLogDirectory, ctLogUrl } from "./ct/ct-paths.js";
import { EmbeddedCtLog } from "./ct/ct-log.js";
import { openKeyGenerations, type KeyGeneration } from "./generations.js";
import { loadInstanceIdentity, type InstanceIdentity } from "./instance.js";
import { ServiceClock } from "./service-clock.js";
import { ServiceIdentity } from "./service-identity.js";
import { SigningThread } from "./signing-thread.js";
import { EmbeddedTransparencyLog } from "./tlog/log.js";
import { treeIdOf } from "./tlog/tree-id.js";
import { buildTrustedRoot, serializeTrustedRoot, type TrustedRootJson } from "./trusted-root.js";
import type { PublishedKey } from "../trust-root-source.js";
import { EmbeddedTSA } from "./tsa.js";
import { EmbeddedLogWitness, type EntryIndexKeys } from "./tlog-witness.js";
import { TUF_DIRECTORY_NAME } from "./tuf/metadata-files.js";
import type { TufExpiryPolicy } from "./tuf/policy.js";
import { TufRepository } from "./tuf/repository.js";
import { openTufRoleKeys, type TufRoleKeys } from "./tuf/role-keys.js";
import { buildSigningConfig, serializeSigningConfig, TSA_PATH, type SigningConfigJson } from "./tuf/signing-config.js";

/** TUF target name of the trusted root (what `@sigstore/tuf` asks for). */
export const TRUSTED_ROOT_TARGET = "trusted_root.json";
/** TUF target name of the signing config. */
export const SIGNING_CONFIG_TARGET = "signing_config.v0.2.json";

export interface EmbeddedStackOptions {
  dataDir: string;
  /** URL clients use; fixes the instance's base URL on first start when set. */
  publicUrl: string;
  /** The service's signing identity (certificate SAN). */
  identity: string;
  /**
   * OIDC issuer written into the service's certificates, when configured explicitly: replaces
   * the one recorded in `instance.json` (a logged change). Otherwise the recorded one is used.
   */
  issuer?: string;
  /** The issuer recorded on first start when none is configured: the public URL, else the reachable URL. */
  defaultIssuer: string;
  /** Told when the recorded issuer is first set or changed (the server logs it). */
  onIssuerChange?: (change: { from: string | undefined; to: string }) => void;
  /** Size quota of the log database in bytes (see `EmbeddedLogOptions.maxDatabaseBytes`); 0 or absent: none. */
  logMaxBytes?: number;
  /** TUF metadata lifetimes and renewal; defaults in `tuf/policy.ts`. */
  tufPolicy?: Partial<TufExpiryPolicy>;
  /** Clock of the TUF repository (tests); default the system clock. */
  tufClock?: () => Date;
  /** Told when the TUF repository fails to re-sign metadata. */
  onTufRenewalError?: (err: unknown) => void;
  /**
   * Whether a Sign's signatures (service identity, TSA, log) are made on a signing thread
   * (signing-thread.ts) rather than the event loop; default true.
   */
  signingThread?: boolean;
  /** Told if the signing thread stops (signing then goes on in the event loop). */
  onSigningThreadExit?: (reason: string) => void;
}

export type { PublishedKey } from "../trust-root-source.js";

/** One generation of an authority (CA or TSA) with its validity window. */
export interface AuthorityGeneration<A> {
  readonly generation: number;
  readonly authority: A;
  readonly keys: KeyStore;
  /** When a later generation took over; undefined for the current one. */
  readonly retiredAt?: Date;
}

export class EmbeddedStack {
  private constructor(
    readonly instance: InstanceIdentity,
    readonly keys: KeyStore,
    /** The current CA (the newest generation): issues every new certificate. */
    readonly ca: EmbeddedCA,
    /** The current TSA. */
    readonly tsa: EmbeddedTSA,
    readonly log: EmbeddedTransparencyLog,
    readonly signer: ServiceIdentity,
    readonly trustedRoot: TrustedRootJson,
    /** Every CA generation, oldest first (key rotation keeps the old ones for verification). */
    readonly caGenerations: readonly AuthorityGeneration<EmbeddedCA>[],
    /** Every TSA generation, oldest first. */
    readonly tsaGenerations: readonly AuthorityGeneration<EmbeddedTSA>[],
    /** Every CT log generation, oldest first; the last one logs every new precertificate. */
    readonly ctGenerations: readonly AuthorityGeneration<EmbeddedCtLog>[],
    /** The Sigstore signing config pointing at this instance. */
    readonly signingConfig: SigningConfigJson,
    readonly tufKeys: TufRoleKeys,
    /** The TUF repository serving the trusted root and signing config under `/tuf/`. */
    readonly tuf: TufRepository,
    /** Makes the signatures of the service identity, the current TSA and the log. */
    private readonly signingThread: SigningThread,
  ) {}

  static async open(opts: EmbeddedStackOptions): Promise<EmbeddedStack> {
    await ensurePrivateDirectory(opts.dataDir);
    const instance = await loadInstanceIdentity(opts.dataDir, {
      publicUrl: opts.publicUrl,
      defaultIssuer: opts.defaultIssuer,
      ...(opts.issuer ? { issuer: opts.issuer } : {}),
      ...(opts.onIssuerChange ? { onIssuerChange: opts.onIssuerChange } : {}),
    });
    const keys = await KeyStore.open(opts.dataDir, { purposes: STACK_KEY_PURPOSES });
    // One non-decreasing clock for the CA, the service identity, the TSA and the log (see service-clock.ts).
    const clock = new ServiceClock();
    const now = () => clock.now();
    // The CT logs accept precertificates chaining to any CA generation's root (known once opened).
    let caRoots: Uint8Array[] = [];
    const ctGenerations = await openGenerations(opts.dataDir, "ct", (g) =>
      EmbeddedCtLog.open({
        directory: ctLogDirectory(opts.dataDir, g.generation),
        signer: g.keys.signer("ctlog"),
        acceptedRoots: () => caRoots,
        clock: () => clock.nowMs(),
      }),
    );
    const ctLog = latestAuthority(ctGenerations, "ct");
    const caGenerations = await openGenerations(opts.dataDir, "ca", (g) =>
      EmbeddedCA.open({ directory: g.keys.directory, rootKey: g.keys.signer("ca-root"), intermediateKey: g.keys.signer("ca-intermediate"), now, ctLog }),
    );
    caRoots = caGenerations.map((g) => new Uint8Array(g.authority.root.rawData));
    const thread = SigningThread.start({
      inProcess: opts.signingThread === false,
      ...(opts.onSigningThreadExit ? { onThreadExit: opts.onSigningThreadExit } : {}),
    });
    let log: EmbeddedTransparencyLog;
    let tsaGenerations: AuthorityGeneration<EmbeddedTSA>[];
    try {
      // Only the current TSA generation (never retired) stamps new signatures: its key goes to the thread.
      tsaGenerations = await openGenerations(opts.dataDir, "tsa", (g) =>
        EmbeddedTSA.open({
          directory: g.keys.directory,
          rootKey: g.keys.signer("tsa-root"),
          signingKey: g.retiredAt === undefined ? thread.keySigner(g.keys.signer("tsa")) : g.keys.signer("tsa"),
          now,
        }),
      );
      // Rekor v1's checkpoint origin form, `<host> - <treeID>` (sigstore-go recognises v1 logs by
      // it); the note is signed under `<host>`, which the trusted root's baseUrl contains.
      const treeId = treeIdOf(createHash("sha256").update(keys.signer("tlog").publicKeySpki).digest());
      log = await EmbeddedTransparencyLog.open({
        dataDir: opts.dataDir,
        signer: thread.keySigner(keys.signer("tlog")),
        origin: `${instance.origin} - ${treeId}`,
        noteName: instance.origin,
        clock: () => clock.nowMs(),
        ...(opts.logMaxBytes ? { maxDatabaseBytes: opts.logMaxBytes } : {}),
      });
    } catch (err) {
      await thread.close();
      throw err;
    }
    const ca = latestAuthority(caGenerations, "ca");
    const tsa = latestAuthority(tsaGenerations, "tsa");
    clock.raiseTo(log.integratedTimeFloor * 1000);
    let tufKeys: TufRoleKeys;
    let tuf: TufRepository;
    let trustedRoot: TrustedRootJson;
    let signingConfig: SigningConfigJson;
    try {
      const signer = new ServiceIdentity({ ca, issuer: instance.issuer, identity: opts.identity, now, thread });
      const retired = <A extends EmbeddedCA | EmbeddedTSA>(gens: readonly AuthorityGeneration<A>[]) =>
        gens.flatMap((g) => (g.retiredAt === undefined ? [] : [{ authority: g.authority, validTo: retiredEnd(g.retiredAt) }]));
      trustedRoot = buildTrustedRoot({
        ca,
        tsa,
        caUri: instance.baseUrl,
        tsaUri: `${instance.baseUrl}${TSA_PATH}`,
        tlog: { baseUrl: instance.baseUrl, publicKeySpki: keys.signer("tlog").publicKeySpki, validFrom: keys.createdAt("tlog") },
        ctlogs: ctGenerations.map((g) => ({
          baseUrl: ctLogUrl(instance.baseUrl, g.generation),
          publicKeySpki: g.keys.signer("ctlog").publicKeySpki,
          validFrom: g.keys.createdAt("ctlog"),
          ...(g.retiredAt ? { validTo: retiredEnd(g.retiredAt) } : {}),
        })),
        retiredCas: retired(caGenerations),
        retiredTsas: retired(tsaGenerations),
      });
      signingConfig = buildSigningConfig({
        baseUrl: instance.baseUrl,
        operator: instance.origin,
        caValidFrom: ca.validFrom,
        tlogValidFrom: tlogValidFrom(trustedRoot),
        tsaValidFrom: tsa.validFrom,
      });
      tufKeys = await openTufRoleKeys(opts.dataDir);
      tuf = await TufRepository.open({
        directory: path.join(opts.dataDir, TUF_DIRECTORY_NAME),
        keys: tufKeys,
        targets: new Map([
          [TRUSTED_ROOT_TARGET, Buffer.from(serializeTrustedRoot(trustedRoot))],
          [SIGNING_CONFIG_TARGET, Buffer.from(serializeSigningConfig(signingConfig))],
        ]),
        ...(opts.tufPolicy ? { policy: opts.tufPolicy } : {}),
        ...(opts.tufClock ? { now: opts.tufClock } : {}),
        ...(opts.onTufRenewalError ? { onRenewalError: opts.onTufRenewalError } : {}),
      });
      tuf.start();
      return new EmbeddedStack(
        instance,
        keys,
        ca,
        tsa,
        log,
        signer,
        trustedRoot,
        caGenerations,
        tsaGenerations,
        ctGenerations,
        signingConfig,
        tufKeys,
        tuf,
        thread,
      );
    } catch (err) {
      await log.close();
      await thread.close();
      for (const g of ctGenerations) await g.authority.close();
      throw err;
    }
  }

  /** Witnesses for one signature: a log witness (remembering its entry) and the TSA. */
  witnessesFor(keys: EntryIndexKeys): { log: EmbeddedLogWitness; all: Witness[] } {
    const log = new EmbeddedLogWitness(this.log, keys);
    return { log, all: [log, this.tsa.witness()] };
  }

  /** Every public key with its purpose and validity, rotated-out keys included (with their end). */
  publishedKeys(): PublishedKey[] {
    const spkiPem = (der: Uint8Array) => pem.fromDER(Buffer.from(der), "PUBLIC KEY");
    const key = (purpose: PublishedKey["purpose"], spki: Uint8Array, validFrom: Date, validTo?: Date): PublishedKey => ({
      purpose,
      keyId: createHash("sha256").update(spki).digest("hex"),
      publicKeyPem: spkiPem(spki),
      validFrom,
      ...(validTo === undefined ? {} : { validTo: retiredEnd(validTo) }),
    });
    return [
      ...this.caGenerations.flatMap((g) => [
        key("CA_ROOT", g.keys.signer("ca-root").publicKeySpki, g.authority.validFrom, g.retiredAt),
        key("CA_INTERMEDIATE", g.keys.signer("ca-intermediate").publicKeySpki, g.authority.validFrom, g.retiredAt),
      ]),
      key("TLOG", this.keys.signer("tlog").publicKeySpki, tlogValidFrom(this.trustedRoot)),
      ...this.ctGenerations.map((g) => key("CTLOG", g.keys.signer("ctlog").publicKeySpki, g.keys.createdAt("ctlog"), g.retiredAt)),
      ...this.tsaGenerations.flatMap((g) => [
        key("TSA_ROOT", g.keys.signer("tsa-root").publicKeySpki, g.authority.validFrom, g.retiredAt),
        key("TSA", g.keys.signer("tsa").publicKeySpki, g.authority.validFrom, g.retiredAt),
      ]),
      ...this.tufKeys.root.map((k) => key("TUF_ROOT", k.signer.publicKeySpki, k.validFrom, k.validTo)),
      key("TUF_TARGETS", this.tufKeys.targets.signer.publicKeySpki, this.tufKeys.targets.validFrom),
      key("TUF_SNAPSHOT", this.tufKeys.snapshot.signer.publicKeySpki, this.tufKeys.snapshot.validFrom),
      key("TUF_TIMESTAMP", this.tufKeys.timestamp.signer.publicKeySpki, this.tufKeys.timestamp.validFrom),
    ];
  }

  async close(): Promise<void> {
    await this.tuf.close();
    await this.log.close();
    for (const g of this.ctGenerations) await g.authority.close();
    await this.signingThread.close();
  }
}

/**
 * End of a retired generation's window: the rotation time rounded up to the whole second, so a
 * signature stamped (in whole seconds) in the rotation's last second is still inside it.
 */
function retiredEnd(at: Date): Date {
  return new Date(Math.ceil(at.getTime() / 1000) * 1000);
}

/** The authority of the newest generation; openKeyGenerations always yields at least one. */
function latestAuthority<A>(generations: readonly AuthorityGeneration<A>[], set: "ca" | "tsa" | "ct"): A {
  const latest = generations.at(-1);
  if (latest === undefined) throw new Error(`embedded stack: no ${set} key generation was opened`);
  return latest.authority;
}

/** Start of the (one) transparency log's validity in a trusted root the stack built. */
function tlogValidFrom(trustedRoot: TrustedRootJson): Date {
  const tlog = trustedRoot.tlogs[0];
  if (tlog === undefined) throw new Error("embedded stack: the trusted root has no transparency log");
  return new Date(tlog.publicKey.validFor.start);
}

async function openGenerations<A>(dataDir: string, set: "ca" | "tsa" | "ct", open: (g: KeyGeneration) => Promise<A>): Promise<AuthorityGeneration<A>[]> {
  const generations = await openKeyGenerations(dataDir, set);
  const result: AuthorityGeneration<A>[] = [];
  for (const g of generations) {
    result.push({ generation: g.generation, authority: await open(g), keys: g.keys, ...(g.retiredAt ? { retiredAt: g.retiredAt } : {}) });
  }
  return result;
}
