/**
 * What the external mode does not serve, and what to use instead. The transparency RPCs and the
 * Certus workflows (upload permissions, chain verification, legacy signing, stats, provenance,
 * readiness) read or append to the embedded log; with `mode: sigstore` the log is upstream, so
 * these RPCs answer `unimplemented` with a message naming the upstream API that answers the same
 * question. Sign, Verify and GetKeys work in both modes.
 */
import { TrustError } from "../../errors.js";

function refuse(rpc: string, instead: string): () => never {
  return () => {
    throw new TrustError("UNIMPLEMENTED", `${rpc} is not available with mode "sigstore": ${instead}`);
  };
}

/** Handlers for the RPCs the external mode does not serve. */
export function sigstoreModeUnsupportedRpcs(rekorUrl: string, rekorVersion: number) {
  const base = rekorUrl.replace(/\/+$/, "");
  const proofs =
    rekorVersion === 1
      ? `ask the Rekor v1 log directly: ${base}/api/v1/log/entries?logIndex=N or ${base}/api/v1/log/entries/{uuid} (entries with inclusion proofs), ${base}/api/v1/log/proof?firstSize=A&lastSize=B (consistency) and ${base}/api/v1/log (latest checkpoint); every bundle Sign returns already carries its inclusion proof`
      : "read the Rekor v2 log's checkpoint and tiles (C2SP tlog-tiles) from its read URL; every bundle Sign returns already carries its inclusion proof";
  const embeddedOnly = (rpc: string) => refuse(rpc, "it works on the embedded transparency log; run a service with mode \"embedded\" for the Certus workflows");
  const watch = refuse("WatchCheckpoints", rekorVersion === 1 ? `poll ${base}/api/v1/log for the latest checkpoint` : "poll the Rekor v2 log's checkpoint");
  return {
    getTransparency: refuse("GetTransparency", proofs),
    // eslint-disable-next-line require-yield
    watchCheckpoints: async function* (): AsyncGenerator<never> {
      watch();
    },
    verifyAndPermitUpload: embeddedOnly("VerifyAndPermitUpload"),
    verifyChain: embeddedOnly("VerifyChain"),
    legacySign: embeddedOnly("LegacySign"),
    getStats: embeddedOnly("GetStats"),
    getProvenance: embeddedOnly("GetProvenance"),
    getReadiness: refuse("GetReadiness", "use /readyz or gRPC health, which list each upstream component"),
  };
}
