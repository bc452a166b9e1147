/**
 * The {@link SigningBackend} of a worker: the same signature as the embedded backend's, with the
 * writes done by the writer. The worker holds the service's ephemeral signing key and signs (the
 * crypto of a Sign runs on every core); the writer certifies that key (CA port), appends the
 * entry (log port: acknowledged once committed and fsynced) and timestamps the signature (TSA
 * port). The canonical entry body is built here exactly as the embedded log witness builds it.
 *
 * Readiness is the writer's (say, its log is full), pushed by the writer when it changes; the
 * trust root is the writer's, fixed while it runs except the TUF root version, also pushed.
 */
import type { SignatureBundle, VerificationMaterial, Witness } from "@sigstore/sign";
import { ServiceIdentity } from "../sigstore/embedded/service-identity.js";
import { entryBodyFor } from "../sigstore/embedded/tlog-witness.js";
import { toBundleTlogEntry } from "../sigstore/log-entry-bundle.js";
import type { ComponentReadiness, EntryIndexKeys, LoggedEntryRef, SignatureWitnesses, SigningBackend } from "../sigstore/signing-backend.js";
import { TimestampWitness } from "../sigstore/timestamp-witness.js";
import type { TransparencyLog } from "../sigstore/transparency-log.js";
import type { SigningConfigDocument, TrustedRootDocument, TrustRootSource } from "../sigstore/trust-root-source.js";
import type { WriterInfo } from "./protocol.js";
import { remoteCertificateAuthority, remoteTimestampAuthority } from "./remote-authorities.js";
import type { WriterChannel } from "./writer-channel.js";

/** Logs one signature through the writer and remembers its entry. */
class RemoteLogWitness implements Witness {
  logged: LoggedEntryRef | undefined;

  constructor(
    private readonly log: TransparencyLog,
    private readonly keys: EntryIndexKeys,
  ) {}

  async testify(content: SignatureBundle, publicKey: string): Promise<VerificationMaterial> {
    const body = entryBodyFor(content, publicKey);
    const entry = await this.log.append({
      kind: body.kind,
      apiVersion: body.apiVersion,
      canonicalBody: body.canonical,
      artifactDigest: this.keys.artifactDigest,
      signerSubject: this.keys.signerSubject,
    });
    this.logged = { logIndex: entry.logIndex, uuid: entry.uuid, integratedTime: entry.integratedTime };
    return { tlogEntries: [toBundleTlogEntry(entry)] };
  }
}

export function remoteSigningBackend(writer: WriterChannel, info: WriterInfo, log: TransparencyLog): SigningBackend {
  let status = info.status;
  const listeners = new Set<() => void>();
  const unsubscribe = writer.subscribe((m) => {
    if (m.kind !== "status") return;
    status = m.status;
    for (const l of listeners) l();
  });
  const signer = new ServiceIdentity({ ca: remoteCertificateAuthority(writer), issuer: info.issuer, identity: info.identity });
  const tsa = remoteTimestampAuthority(writer);
  const trustRoot: TrustRootSource = {
    current: (): TrustedRootDocument => info.trustedRoot,
    signingConfig: (): SigningConfigDocument => info.signingConfig,
    tuf: () => ({ url: `${info.baseUrl}/tuf/`, rootVersion: status.tufRootVersion }),
    publishedKeys: () => info.publishedKeys.map((k) => ({ ...k })),
    close: () => {},
  };
  return {
    mode: "embedded",
    signer,
    witnessesFor(keys: EntryIndexKeys): SignatureWitnesses {
      const logWitness = new RemoteLogWitness(log, keys);
      return { all: [logWitness, new TimestampWitness(tsa)], entry: () => logWitness.logged };
    },
    trustRoot,
    readiness: (): ComponentReadiness[] => status.components.map((c) => ({ ...c })),
    onReadinessChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      unsubscribe();
      listeners.clear();
      return Promise.resolve();
    },
  };
}
