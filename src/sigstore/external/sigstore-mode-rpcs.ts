/**
 * What the external mode does not serve yet, and what to use instead: the Certus workflows
 * (upload permissions, chain verification, legacy signing, stats, provenance, readiness) still
 * read or append to the embedded log, so with `mode: sigstore` they answer `unimplemented`.
 * Sign, Verify, GetKeys, GetTransparency and WatchCheckpoints work in both modes (the last two
 * through the TransparencyLog port; with Rekor v1, or Rekor v2 without a read URL, that port
 * refuses with a message naming the upstream API that answers instead).
 */
import { TrustError } from "../../errors.js";

function refuse(rpc: string, instead: string): () => never {
  return () => {
    throw new TrustError("UNIMPLEMENTED", `${rpc} is not available with mode "sigstore": ${instead}`);
  };
}

/** Handlers for the RPCs the external mode does not serve. */
export function sigstoreModeUnsupportedRpcs() {
  const embeddedOnly = (rpc: string) => refuse(rpc, "it works on the embedded transparency log; run a service with mode \"embedded\" for the Certus workflows");
  return {
    verifyAndPermitUpload: embeddedOnly("VerifyAndPermitUpload"),
    verifyChain: embeddedOnly("VerifyChain"),
    legacySign: embeddedOnly("LegacySign"),
    getStats: embeddedOnly("GetStats"),
    getProvenance: embeddedOnly("GetProvenance"),
    getReadiness: refuse("GetReadiness", "use /readyz or gRPC health, which list each upstream component"),
  };
}
