/**
 * Activity counts and a scan's audit trail, read from the audit log (the hash-chained record of
 * every decision) and the transparency log. The audit file is read whole on each call: it is the
 * source of truth, and stats and provenance are tooling calls, not hot paths.
 */
import type { AuditEvent, AuditTrail } from "../state/state-store.js";

export interface ActivityCounts {
  totalSignatures: number;
  verifications: { total: number; successful: number; failed: number };
  signers: string[];
}

/** Counts signatures, verifications and signers from the audit trail. */
export async function activityCounts(audit: AuditTrail, serviceIdentity: string): Promise<ActivityCounts> {
  let totalSignatures = 0;
  const verifications = { total: 0, successful: 0, failed: 0 };
  const signers = new Set<string>();
  for (const e of await audit.read()) {
    if (e.action === "sign" && e.verdict === "allowed") {
      totalSignatures++;
      signers.add(e.detail?.["signer"] || serviceIdentity);
    } else if (e.action === "permit-upload" && e.verdict === "allowed") {
      if (e.detail?.["signer_inner"]) signers.add(e.detail["signer_inner"]);
      if (e.detail?.["signer_outer"]) {
        totalSignatures++;
        signers.add(e.detail["signer_outer"]);
      }
    } else if (e.action === "verify" || e.action === "verify-chain") {
      verifications.total++;
      if (e.verdict === "verified") verifications.successful++;
      else verifications.failed++;
    }
  }
  return { totalSignatures, verifications, signers: [...signers].sort() };
}

/** Every permit-upload and verify-chain event about a scan, oldest first. */
export async function scanTrail(audit: AuditTrail, scanId: string): Promise<AuditEvent[]> {
  return (await audit.read()).filter((e) => (e.action === "permit-upload" || e.action === "verify-chain") && e.detail?.["scan_id"] === scanId);
}
