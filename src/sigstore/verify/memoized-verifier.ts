/**
 * `@sigstore/verify`'s Verifier with three of its steps recomposed from the library's own step
 * functions, so that work which recurs across bundles is done once:
 *
 * - signing key (certificate): the library's chain building per signing time, on the shared
 *   memoized leaf (`certificate-memo.ts`); the SCT check remembered per (leaf object, issuer
 *   object, CT logs) once it has passed; the signer's key from the key cache;
 * - timestamps: the library's RFC 3161 checks with the TSA's key from the key cache instead of a
 *   fresh import per timestamp;
 * - log entries: the library's SET, Merkle and body checks and our checkpoint rule
 *   (`checkpoint.ts`, where the library's refuses real checkpoints), with a verified
 *   checkpoint remembered by (the log authorities, the note text): all bundles of one log batch
 *   carry the same checkpoint.
 *
 * What is remembered is always the answer for exact bytes (a whole certificate, a whole signed
 * note) under exact trust material objects, and only a success: a failure is recomputed, so it
 * is reported as the library reports it. Everything unique to a bundle (its signature, SET, RFC
 * 3161 signature, Merkle path, log body) is checked every time. The method bodies follow the
 * library's `verifier.js` (4.x) line for line apart from those lookups; the differential test
 * (`test/unit/verify/differential.test.ts`) holds them to the stock Verifier's verdicts.
 */
import { isDeepStrictEqual } from "node:util";
import type { TransparencyLogEntry } from "@sigstore/bundle";
import { crypto as sigstoreCrypto, type RFC3161Timestamp, type X509Certificate } from "@sigstore/core";
import { Verifier, type SignedEntity, type TrustMaterial } from "@sigstore/verify";
import { verifyCheckpoint } from "./checkpoint.js";
import { publicKeyFromDer } from "./key-cache.js";
import { librarySteps, type CertAuthority, type LibrarySteps, type LogCheckpoint, type TLogAuthority } from "./library-steps.js";
import { LruMap } from "./lru.js";

/** Verified checkpoints kept per set of log authorities. A batch shares one checkpoint. */
export const DEFAULT_CHECKPOINT_CACHE_SIZE = 1024;

const OID_FULCIO_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";
const OID_FULCIO_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";

type VerifierOptions = { tlogThreshold: number; ctlogThreshold: number; timestampThreshold: number };
type Signer = ReturnType<Verifier["verify"]>;
type LibraryTimestamp = { type: string; logID: Buffer; timestamp: Date };

/** Verified checkpoints by log-authority list (one per trust material) and note text. */
const checkpoints = new WeakMap<readonly TLogAuthority[], LruMap<string, LogCheckpoint>>();

/** SCT log IDs of leaves whose SCTs verified, per leaf object, by issuer object. */
const scts = new WeakMap<X509Certificate, Map<X509Certificate, { ctlogs: readonly TLogAuthority[]; logIDs: Buffer[] }>>();

/** The signer (key and identity) of each shared leaf. */
const signers = new WeakMap<X509Certificate, Signer>();

function containsDupes(items: readonly unknown[]): boolean {
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) if (isDeepStrictEqual(items[i], items[j])) return true;
  }
  return false;
}

/** As the library's `getSigner`, once per leaf object. */
function signerOf(cert: X509Certificate): Signer {
  let signer = signers.get(cert);
  if (!signer) {
    const v2 = cert.extension(OID_FULCIO_ISSUER_V2);
    const issuer = v2 ? v2.valueObj.subs[0]?.value.toString("ascii") : cert.extension(OID_FULCIO_ISSUER_V1)?.value.toString("ascii");
    const oids = cert.extensions.map((ext) => {
      const [oid] = ext.subs;
      const last = ext.subs.at(-1);
      if (oid === undefined || last === undefined) throw new TypeError("certificate extension has no OID or value");
      return { oid: { id: oid.toOID().split(".").map(Number) }, value: last.value };
    });
    const subjectAlternativeName = cert.subjectAltName;
    signer = {
      key: publicKeyFromDer(cert.publicKey),
      identity: { extensions: issuer === undefined ? {} : { issuer }, ...(subjectAlternativeName !== undefined ? { subjectAlternativeName } : {}), oids },
    };
    signers.set(cert, signer);
  }
  return signer;
}

function verifiedScts(steps: LibrarySteps, leaf: X509Certificate, issuer: X509Certificate, ctlogs: TLogAuthority[]): Buffer[] {
  let byIssuer = scts.get(leaf);
  const known = byIssuer?.get(issuer);
  if (known && known.ctlogs === ctlogs) return known.logIDs;
  const logIDs = steps.verifySCTs(leaf, issuer, ctlogs);
  if (!byIssuer) {
    byIssuer = new Map();
    scts.set(leaf, byIssuer);
  }
  byIssuer.set(issuer, { ctlogs, logIDs });
  return logIDs;
}

function verifiedCheckpoint(entry: TransparencyLogEntry, tlogs: TLogAuthority[], all: readonly TLogAuthority[] | undefined): LogCheckpoint {
  const envelope = entry.inclusionProof?.checkpoint?.envelope;
  if (typeof envelope !== "string" || !all) return verifyCheckpoint(entry, tlogs);
  let memo = checkpoints.get(all);
  if (!memo) {
    memo = new LruMap(DEFAULT_CHECKPOINT_CACHE_SIZE);
    checkpoints.set(all, memo);
  }
  // The matching authorities are those of this log ID in `all`: the ID and the note identify them.
  const id = `${entry.logId.keyId.toString("hex")}\n${envelope}`;
  let checkpoint = memo.get(id);
  if (!checkpoint) {
    checkpoint = verifyCheckpoint(entry, tlogs);
    memo.set(id, checkpoint);
  }
  return checkpoint;
}

/**
 * As the library's `verifyTLogInclusion`, with our checkpoint rule (`checkpoint.ts`) and, when
 * `memoize`, the checkpoint from the memo.
 */
function verifyTLogInclusion(steps: LibrarySteps, entry: TransparencyLogEntry, tlogs: TLogAuthority[], memoize: boolean): void {
  let inclusionVerified = false;
  if (entry.inclusionPromise !== undefined) {
    steps.verifyTLogSET(entry, tlogs);
    inclusionVerified = true;
  }
  if (entry.inclusionProof !== undefined) {
    const matching = tlogs.filter((tlog) => tlog.logID.equals(entry.logId.keyId));
    const checkpoint = verifiedCheckpoint(entry, matching, memoize ? tlogs : undefined);
    steps.verifyMerkleInclusion(entry, checkpoint);
    inclusionVerified = true;
  }
  if (!inclusionVerified) {
    throw new steps.VerificationError({ code: "TLOG_MISSING_INCLUSION_ERROR", message: "inclusion could not be verified" });
  }
}

/** As the library's `verifyRFC3161Timestamp`, with the TSA key from the key cache. */
function verifyRFC3161Timestamp(steps: LibrarySteps, timestamp: RFC3161Timestamp, data: Buffer, authorities: CertAuthority[]): void {
  const signingTime = timestamp.signingTime;
  const candidates = steps.filterCertAuthorities(authorities, signingTime).filter((ca) => {
    const [first] = ca.certChain;
    return (
      first !== undefined &&
      sigstoreCrypto.bufferEqual(first.serialNumber, timestamp.signerSerialNumber) &&
      sigstoreCrypto.bufferEqual(first.issuer, timestamp.signerIssuer)
    );
  });
  const verified = candidates.some((ca) => {
    try {
      const [leaf, ...cas] = ca.certChain;
      if (leaf === undefined) return false; // the filter above kept only chains with a leaf
      const signingKey = publicKeyFromDer(leaf.publicKey);
      try {
        new steps.CertificateChainVerifier({ untrustedCert: leaf, trustedCerts: cas, timestamp: signingTime }).verify();
      } catch {
        throw new steps.VerificationError({ code: "TIMESTAMP_ERROR", message: "invalid certificate chain" });
      }
      timestamp.verify(data, signingKey);
      return true;
    } catch {
      return false;
    }
  });
  if (!verified) throw new steps.VerificationError({ code: "TIMESTAMP_ERROR", message: "timestamp could not be verified" });
}

/** The private methods of the library's Verifier that are replaced (see the module comment). */
interface VerifierSteps {
  verifyTimestamps(entity: SignedEntity): Date[];
  verifySigningKey(entity: SignedEntity, timestamps: Date[]): Signer;
  verifyTLogs(entity: SignedEntity): void;
}

/**
 * A Verifier over `trustMaterial` whose recurring work is memoized. Without the library's step
 * modules (another layout of `@sigstore/verify`) it is the stock Verifier.
 */
export function memoizedVerifier(trustMaterial: TrustMaterial, options: VerifierOptions): Verifier {
  const verifier = new Verifier(trustMaterial, options);
  const steps = librarySteps;
  if (!steps) return verifier;
  const material = trustMaterial;
  const replaced: VerifierSteps = {
    verifyTimestamps(entity) {
      const timestamps: LibraryTimestamp[] = [];
      for (const timestamp of entity.timestamps) {
        if (timestamp.$case === "timestamp-authority") {
          verifyRFC3161Timestamp(steps, timestamp.timestamp, entity.signature.signature, material.timestampAuthorities);
          timestamps.push({ type: "timestamp-authority", logID: timestamp.timestamp.signerSerialNumber, timestamp: timestamp.timestamp.signingTime });
        } else {
          const result = steps.getTLogTimestamp(timestamp.tlogEntry);
          if (result) timestamps.push(result);
        }
      }
      if (containsDupes(timestamps)) throw new steps.VerificationError({ code: "TIMESTAMP_ERROR", message: "duplicate timestamp" });
      if (timestamps.length < options.timestampThreshold) {
        throw new steps.VerificationError({ code: "TIMESTAMP_ERROR", message: `expected ${options.timestampThreshold} timestamps, got ${timestamps.length}` });
      }
      return timestamps.map((t) => t.timestamp);
    },
    verifySigningKey({ key }, timestamps) {
      if (key.$case === "public-key") {
        const found = material.publicKey(key.hint);
        for (const timestamp of timestamps) {
          if (!found.validFor(timestamp)) {
            throw new steps.VerificationError({ code: "PUBLIC_KEY_ERROR", message: `Public key is not valid for timestamp: ${timestamp.toISOString()}` });
          }
        }
        return { key: found.publicKey };
      }
      let path: X509Certificate[] = [];
      for (const timestamp of timestamps) path = steps.verifyCertificateChain(timestamp, key.certificate, material.certificateAuthorities);
      const [leaf, issuer] = path;
      if (leaf === undefined || issuer === undefined)
        throw new steps.VerificationError({ code: "CERTIFICATE_ERROR", message: "certificate chain has no issuer" });
      const logIDs = verifiedScts(steps, leaf, issuer, material.ctlogs);
      if (containsDupes(logIDs)) throw new steps.VerificationError({ code: "CERTIFICATE_ERROR", message: "duplicate SCT" });
      if (logIDs.length < options.ctlogThreshold) {
        throw new steps.VerificationError({ code: "CERTIFICATE_ERROR", message: `expected ${options.ctlogThreshold} SCTs, got ${logIDs.length}` });
      }
      return signerOf(leaf);
    },
    verifyTLogs({ signature, tlogEntries }) {
      const entryIDs: { logID: Buffer; body: Buffer }[] = [];
      for (const entry of tlogEntries) {
        verifyTLogInclusion(steps, entry, material.tlogs, true);
        steps.verifyTLogBody(entry, signature);
        entryIDs.push({ logID: entry.logId.keyId, body: entry.canonicalizedBody });
      }
      if (containsDupes(entryIDs)) throw new steps.VerificationError({ code: "TLOG_ERROR", message: "duplicate tlog entry" });
      if (entryIDs.length < options.tlogThreshold) {
        throw new steps.VerificationError({ code: "TLOG_ERROR", message: `expected ${options.tlogThreshold} tlog entries, got ${entryIDs.length}` });
      }
    },
  };
  return Object.assign(verifier, replaced);
}

/**
 * The stock Verifier over `trustMaterial` with only its log step replaced, so that checkpoints
 * are judged by the same rule (`checkpoint.ts`) as on the memoized path; nothing is remembered.
 * The engine's unmemoized mode and the differential tests' baseline.
 */
export function checkpointRuleVerifier(trustMaterial: TrustMaterial, options: VerifierOptions): Verifier {
  const verifier = new Verifier(trustMaterial, options);
  const steps = librarySteps;
  if (!steps) return verifier;
  const tlogs = (trustMaterial as unknown as { tlogs: TLogAuthority[] }).tlogs;
  const replaced: Pick<VerifierSteps, "verifyTLogs"> = {
    verifyTLogs({ signature, tlogEntries }) {
      const entryIDs: { logID: Buffer; body: Buffer }[] = [];
      for (const entry of tlogEntries) {
        verifyTLogInclusion(steps, entry, tlogs, false);
        steps.verifyTLogBody(entry, signature);
        entryIDs.push({ logID: entry.logId.keyId, body: entry.canonicalizedBody });
      }
      if (containsDupes(entryIDs)) throw new steps.VerificationError({ code: "TLOG_ERROR", message: "duplicate tlog entry" });
      if (entryIDs.length < options.tlogThreshold) {
        throw new steps.VerificationError({ code: "TLOG_ERROR", message: `expected ${options.tlogThreshold} tlog entries, got ${entryIDs.length}` });
      }
    },
  };
  return Object.assign(verifier, replaced);
}
