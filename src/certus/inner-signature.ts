/**
 * Verifies Certus-Assurance's inner signature over one digest (the upload manifest's) and judges
 * its signer by the tier's policy. Three shapes are accepted:
 *
 * - a Sigstore bundle: the verification engine checks everything (signature, certificate chain,
 *   log inclusion, timestamps) and each policy rule the identity;
 * - a detached keyless signature (`signature` + `certificate`): its `hashedrekord` entry must be
 *   in this service's log; the signature, certificate and entry are assembled into a bundle and
 *   judged as one;
 * - a detached key signature (`signature` alone): checked, as a prehashed ECDSA (or RSA)
 *   signature over the digest, with each public key the policy names; the key's rule says whose
 *   it is.
 *
 * Cryptographic failures always refuse. A signer that does not satisfy the policy refuses in
 * `enforce` mode and is a warning in `warn` mode.
 */
import { pem } from "@sigstore/core";
import { createHash, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { compileSubjectPattern } from "../sigstore/verify/subject-pattern.js";
import type { SerializedBundle } from "@sigstore/bundle";
import type { Policy, SignerRule } from "../policy/model.js";
import type { TransparencyLog } from "../sigstore/transparency-log.js";
import type { VerificationResult } from "../sigstore/verify/index.js";
import { verifyPrehashed } from "../sigstore/verify/prehashed.js";
import type { BundleJudge, WorkBudget } from "./bundle-judge.js";
import { bundleForLoggedSignature, certificateDer, findLoggedSignature } from "./logged-signature.js";
import { refusal, type Refusal } from "./reasons.js";
import { readSignature } from "./signature-shape.js";

/** The inner signature as the request gives it (bundle as parsed JSON). */
export interface InnerSignatureInput {
  readonly signer: string;
  readonly signature: string;
  readonly certificate: string;
  readonly bundle?: unknown;
}

/** A log entry reference. */
export interface EntryRef {
  readonly uuid: string;
  readonly logIndex: number;
  /** Seconds since the epoch. */
  readonly integratedTime: number;
}

/** An inner signature that verified. */
export interface VerifiedInner {
  readonly ok: true;
  readonly mode: "bundle" | "certificate" | "key";
  /** The digest it verified over. */
  readonly digest: string;
  readonly signer: string;
  readonly issuer?: string;
  /** The raw signature (for a DSSE bundle, the envelope's signature). */
  readonly signature: Buffer;
  /** The certificate or public key that verified it, PEM. */
  readonly verifierPem: string;
  /** Its log entry, when it is logged. */
  readonly entry?: EntryRef;
  /** Policy findings that did not refuse (policy in `warn` mode). */
  readonly warnings: readonly string[];
}

/** An inner signature that did not verify: the reason, and the signer when it could be read. */
export type RejectedInner = Refusal & { readonly ok: false; readonly signer?: string };

export type InnerOutcome = VerifiedInner | RejectedInner;

/** What verification needs from the service. */
export interface InnerContext {
  readonly log: TransparencyLog;
  /** Judges bundles (on the verification pool when there is one). */
  readonly judge: BundleJudge;
  /** What is left of the request's verification time. */
  readonly budget: WorkBudget;
}

const IDENTITY_CODES = new Set(["SIGNER_MISMATCH", "ISSUER_MISMATCH", "KEY_MISMATCH"]);

function rejected(r: Refusal, signer?: string): RejectedInner {
  return { ok: false, ...r, ...(signer ? { signer } : {}) };
}

function describeRule(rule: SignerRule): string {
  const who = rule.subject ?? (rule.subjectRegexp ? `/${rule.subjectRegexp}/` : "a policy key");
  return `${who}${rule.issuer ? ` (issuer ${rule.issuer})` : ""}${rule.publicKey ? " with its configured key" : ""}`;
}

function matchesIdentity(rule: SignerRule, subject: string): boolean {
  if (rule.subject !== undefined) return rule.subject === subject;
  if (rule.subjectRegexp !== undefined) return compileSubjectPattern(rule.subjectRegexp).test(subject);
  return true;
}

/** Whether the set of satisfied rules meets the policy. */
function satisfies(policy: Policy, satisfied: number): boolean {
  return policy.match === "all-of" ? satisfied === policy.innerSigners.length : satisfied > 0;
}

function pemOfDer(der: Uint8Array, label: string): string {
  return pem.fromDER(Buffer.from(der), label);
}

function refusalForFailures(results: readonly VerificationResult[], digest: string): Refusal {
  const all = results.flatMap((r) => r.failures);
  if (all.length > 0 && all.every((f) => IDENTITY_CODES.has(f.code))) {
    return refusal("invalid_signer", all.map((f) => f.message).join("; "));
  }
  const first = all.find((f) => !IDENTITY_CODES.has(f.code)) ?? all[0];
  const message = first ? `${first.code}: ${first.message}` : "it does not verify";
  switch (first?.code) {
    case "BUNDLE_MALFORMED":
      return refusal("malformed_signature", `the inner bundle is malformed: ${message}`);
    case "TLOG_MISSING":
      return refusal("inner_signature_not_logged", message);
    case "CERT_CHAIN_INVALID":
    case "CERT_EXPIRED_AT_SIGNING":
    case "TRUST_ROOT_INVALID":
    case "SCT_INVALID":
      return refusal("certificate_invalid", message);
    default:
      return refusal("signature_invalid", `the inner signature does not verify over the upload manifest ${digest}: ${message}`);
  }
}

/** Signature bytes and verifier of a bundle (already verified), for the record. */
function bundleMaterial(bundle: SerializedBundle): { signature: Buffer; verifierPem: string } {
  const signature = Buffer.from(bundle.messageSignature?.signature ?? bundle.dsseEnvelope?.signatures[0]?.sig ?? "", "base64");
  const vm = bundle.verificationMaterial.certificate?.rawBytes ?? bundle.verificationMaterial.x509CertificateChain?.certificates[0]?.rawBytes;
  const verifierPem = vm ? pemOfDer(Buffer.from(vm, "base64"), "CERTIFICATE") : "";
  return { signature, verifierPem };
}

/** Judges a bundle (given, or assembled from a logged detached signature) under the policy. */
async function judgeBundle(
  bundle: unknown,
  digest: string,
  claimed: string,
  policy: Policy,
  ctx: InnerContext,
  mode: "bundle" | "certificate",
): Promise<InnerOutcome> {
  const verdicts = await ctx.judge(
    policy.innerSigners.map((rule) => ({ bundle, digest, rule })),
    ctx.budget,
  );
  const results = policy.innerSigners.map((rule, i) => {
    const result = verdicts[i];
    if (result === undefined) throw new Error(`the bundle judge returned no verdict for rule ${i}`);
    return { rule, result };
  });
  const verified = results.filter((r) => r.result.verified && (r.rule.publicKey === undefined || claimed === "" || matchesIdentity(r.rule, claimed)));
  const anyVerified = results.find((r) => r.result.verified);
  const signerSeen = results.find((r) => r.result.signer)?.result.signer;
  if (!anyVerified) {
    // A signature that verifies only under identity-free checks still tells who signed.
    return rejected(
      refusalForFailures(
        results.map((r) => r.result),
        digest,
      ),
      signerSeen?.subject,
    );
  }
  const result = anyVerified.result;
  const subject = result.signer?.subject ?? anyVerified.rule.subject ?? claimed;
  const material = bundleMaterial(bundle as SerializedBundle);
  const entry = result.entry
    ? {
        uuid: result.entry.uuid ?? "",
        logIndex: Number(result.entry.logIndex),
        integratedTime: Math.floor(Date.parse(result.entry.integratedTime ?? "") / 1000) || 0,
      }
    : undefined;
  const warnings: string[] = [];
  if (claimed !== "" && result.signer && claimed !== result.signer.subject) {
    const r = refusal(
      "invalid_signer",
      `inner_signature.signer says ${JSON.stringify(claimed)} but the certificate was issued to ${JSON.stringify(result.signer.subject)}`,
    );
    if (policy.mode === "enforce") return rejected(r, result.signer.subject);
    warnings.push(r.detail);
  }
  if (!satisfies(policy, verified.length)) {
    const r = refusal(
      "invalid_signer",
      `${JSON.stringify(subject)} does not satisfy policy "${policy.name}", which requires ${policy.match === "all-of" ? "all" : "one"} of: ${policy.innerSigners.map(describeRule).join(", ")}`,
    );
    if (policy.mode === "enforce") return rejected(r, subject);
    warnings.push(r.detail);
  }
  return {
    ok: true,
    mode,
    digest,
    signer: subject,
    ...(result.signer?.issuer ? { issuer: result.signer.issuer } : {}),
    signature: material.signature,
    verifierPem: material.verifierPem,
    ...(entry ? { entry } : {}),
    warnings,
  };
}

function keyOf(pem: string): KeyObject | undefined {
  try {
    return createPublicKey(pem);
  } catch {
    return undefined;
  }
}

async function judgeKeySignature(signature: Buffer, digest: string, claimed: string, policy: Policy, ctx: InnerContext): Promise<InnerOutcome> {
  const keyed = policy.innerSigners.flatMap((rule) => (rule.publicKey === undefined ? [] : [{ rule, publicKey: rule.publicKey }]));
  if (keyed.length === 0) {
    return rejected(
      refusal(
        "unknown_signing_key",
        `the inner signature has no certificate and policy "${policy.name}" names no public key to check it with; give the certificate or a Sigstore bundle, or add the signer's key to the policy file`,
      ),
    );
  }
  const raw = Buffer.from(digest.slice(7), "hex");
  const valid = keyed.flatMap(({ rule, publicKey }) => {
    const key = keyOf(publicKey);
    return key && verifyPrehashed(key, raw, signature, "sha256").valid ? [{ rule, key }] : [];
  });
  const firstValid = valid[0];
  if (firstValid === undefined) {
    return rejected(
      refusal(
        "signature_invalid",
        `the inner signature does not verify over the upload manifest ${digest} with any of the ${keyed.length} public key(s) policy "${policy.name}" names`,
      ),
    );
  }
  const owned = valid.filter((v) => claimed === "" || matchesIdentity(v.rule, claimed));
  const chosen = owned[0] ?? firstValid;
  const signer = claimed !== "" ? claimed : (chosen.rule.subject ?? "");
  const warnings: string[] = [];
  if (owned.length === 0 || !satisfies(policy, owned.length)) {
    const r = refusal(
      "invalid_signer",
      `the signature was made with the key policy "${policy.name}" gives to ${describeRule(chosen.rule)}, but inner_signature.signer says ${JSON.stringify(claimed)}`,
    );
    if (policy.mode === "enforce") return rejected(r, claimed);
    warnings.push(r.detail);
  }
  const verifierPem = chosen.key.export({ type: "spki", format: "pem" }).toString();
  const logged = await findLoggedSignature(ctx.log, digest, signature, { kind: "key", key: chosen.key });
  return {
    ok: true,
    mode: "key",
    digest,
    signer,
    signature,
    verifierPem,
    ...(logged ? { entry: { uuid: logged.uuid, logIndex: logged.logIndex, integratedTime: logged.integratedTime } } : {}),
    warnings,
  };
}

/**
 * Verifies `inner` over `digest` (`sha256:<hex>`) under `policy`. Never throws for anything in the
 * signature; the outcome says why it was refused.
 */
export async function verifyInnerSignature(inner: InnerSignatureInput, digest: string, policy: Policy, ctx: InnerContext): Promise<InnerOutcome> {
  const claimed = inner.signer.trim();
  if (inner.bundle !== undefined) return judgeBundle(inner.bundle, digest, claimed, policy, ctx, "bundle");
  const read = readSignature(inner.signature, "inner_signature.signature");
  if (!("bytes" in read)) return rejected(read);
  const signature = read.bytes;
  if (inner.certificate.trim() === "") return judgeKeySignature(signature, digest, claimed, policy, ctx);
  const der = certificateDer(inner.certificate);
  if (der === undefined) return rejected(refusal("certificate_invalid", "inner_signature.certificate is not a PEM X.509 certificate"));
  return judgeCertificateSignature(signature, der, digest, claimed, policy, ctx);
}

async function judgeCertificateSignature(
  signature: Buffer,
  der: Buffer,
  digest: string,
  claimed: string,
  policy: Policy,
  ctx: InnerContext,
): Promise<InnerOutcome> {
  const leafKey = new X509Certificate(der).publicKey;
  if (!verifyPrehashed(leafKey, Buffer.from(digest.slice(7), "hex"), signature, "sha256").valid) {
    return rejected(refusal("signature_invalid", `the inner signature does not verify over the upload manifest ${digest} with the certificate's key`));
  }
  const entry = await findLoggedSignature(ctx.log, digest, signature, { kind: "certificate", der });
  if (entry === undefined) {
    return rejected(
      refusal(
        "inner_signature_not_logged",
        `the keyless inner signature over ${digest} is not in this service's transparency log; a short-lived certificate is only valid with the log entry that proves when it signed (send the Sigstore bundle, or log it first)`,
      ),
    );
  }
  return judgeBundle(bundleForLoggedSignature(digest, signature, der, entry), digest, claimed, policy, ctx, "certificate");
}

/** `sha256:<hex>` of a signature's bytes, for records that should not repeat the signature. */
export function signatureDigest(signature: Buffer): string {
  return `sha256:${createHash("sha256").update(signature).digest("hex")}`;
}
