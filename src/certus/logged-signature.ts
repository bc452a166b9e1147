/**
 * Finds a detached signature in this service's transparency log: a `hashedrekord` entry (0.0.1,
 * or Rekor v2's 0.0.2) over the given digest whose signature and verifier (certificate or public
 * key) are the ones given. A keyless signature needs its entry (the entry's integrated time is what proves the
 * short-lived certificate was valid when it signed); a key signature is logged by the service
 * itself when it adds its outer signature (see `permit-upload`).
 */
import { createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { bundleToJSON, type SerializedBundle } from "@sigstore/bundle";
import { HashAlgorithm } from "@sigstore/protobuf-specs";
import { toBundleTlogEntry } from "../sigstore/log-entry-bundle.js";
import type { LogEntry, TransparencyLog } from "../sigstore/transparency-log.js";

/** Most entries over one digest examined (pages of 500). */
export const MAX_ENTRIES_SCANNED = 5000;

/** The signer's verifier as the log records it. */
export type Verifier = { kind: "certificate"; der: Buffer } | { kind: "key"; key: KeyObject };

/** The DER of a PEM certificate, or undefined when it is not one. */
export function certificateDer(pem: string): Buffer | undefined {
  try {
    return Buffer.from(new X509Certificate(pem).raw);
  } catch {
    return undefined;
  }
}

function sameVerifier(pem: string, verifier: Verifier): boolean {
  if (verifier.kind === "certificate") {
    const der = certificateDer(pem);
    return der !== undefined && der.equals(verifier.der);
  }
  try {
    const logged = createPublicKey(pem).export({ type: "spki", format: "der" });
    return logged.equals(verifier.key.export({ type: "spki", format: "der" }));
  } catch {
    return false;
  }
}

/** A Rekor v2 `hashedRekordV002` spec as logged (JSON; every field checked before use). */
interface HashedRekordV002Body {
  data?: { algorithm?: unknown; digest?: unknown };
  signature?: { content?: string; verifier?: { publicKey?: { rawBytes?: unknown }; x509Certificate?: { rawBytes?: unknown } } };
}

/**
 * The digest, signature and a verifier check of a logged hashedrekord body: `0.0.1` (Rekor v1 and
 * the embedded log: PEM key or certificate) or `0.0.2` (Rekor v2: DER key or certificate).
 */
function loggedHashedRekord(canonicalBody: Buffer): { hex: string; signature: Buffer; verifier: (v: Verifier) => boolean } | undefined {
  try {
    const body = JSON.parse(canonicalBody.toString("utf8")) as { apiVersion?: string; spec?: unknown };
    if (body.apiVersion === "0.0.2") {
      const v2 = (body.spec as { hashedRekordV002?: HashedRekordV002Body } | undefined)?.hashedRekordV002;
      if (v2?.data?.algorithm !== "SHA2_256" || typeof v2.data.digest !== "string") return undefined;
      const key = v2.signature?.verifier?.publicKey?.rawBytes;
      const cert = v2.signature?.verifier?.x509Certificate?.rawBytes;
      return {
        hex: Buffer.from(v2.data.digest, "base64").toString("hex"),
        signature: Buffer.from(v2.signature?.content ?? "", "base64"),
        verifier: (v) =>
          v.kind === "certificate"
            ? typeof cert === "string" && Buffer.from(cert, "base64").equals(v.der)
            : typeof key === "string" && Buffer.from(key, "base64").equals(v.key.export({ type: "spki", format: "der" })),
      };
    }
    const spec = body.spec as { data?: { hash?: { value?: string } }; signature?: { content?: string; publicKey?: { content?: string } } } | undefined;
    if (typeof spec?.data?.hash?.value !== "string") return undefined;
    const pem = Buffer.from(spec.signature?.publicKey?.content ?? "", "base64").toString("utf8");
    return { hex: spec.data.hash.value, signature: Buffer.from(spec.signature?.content ?? "", "base64"), verifier: (v) => sameVerifier(pem, v) };
  } catch {
    return undefined;
  }
}

/** The hashedrekord entry over `digest` with this signature and verifier, if logged. */
export async function findLoggedSignature(log: TransparencyLog, digest: string, signature: Buffer, verifier: Verifier): Promise<LogEntry | undefined> {
  const hex = digest.slice("sha256:".length);
  let afterIndex: number | undefined;
  for (let scanned = 0; scanned < MAX_ENTRIES_SCANNED;) {
    const page = await log.search({ artifactDigest: digest }, { pageSize: 500, ...(afterIndex !== undefined ? { afterIndex } : {}) });
    for (const entry of page.entries) {
      if (entry.kindVersion.kind !== "hashedrekord") continue;
      const logged = loggedHashedRekord(entry.canonicalizedBody);
      if (logged === undefined || logged.hex !== hex || !logged.signature.equals(signature)) continue;
      if (logged.verifier(verifier)) return entry;
    }
    scanned += page.entries.length;
    if (page.nextAfterIndex === undefined) return undefined;
    afterIndex = page.nextAfterIndex;
  }
  return undefined;
}

/**
 * A Sigstore bundle (v0.3, message signature) for a detached keyless signature and its log entry,
 * so the verification engine judges it exactly as it judges any bundle.
 */
export function bundleForLoggedSignature(digest: string, signature: Buffer, certificate: Buffer, entry: LogEntry): SerializedBundle {
  return bundleToJSON({
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: {
      content: { $case: "certificate", certificate: { rawBytes: certificate } },
      tlogEntries: [toBundleTlogEntry(entry)],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    content: {
      $case: "messageSignature",
      messageSignature: { messageDigest: { algorithm: HashAlgorithm.SHA2_256, digest: Buffer.from(digest.slice(7), "hex") }, signature },
    },
  });
}
