/**
 * The TrustService implementation: one handler per RPC, each in its own file, wired here to the
 * Sigstore ports they use. Handlers throw domain errors (`errors.ts`); the interceptor maps them.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { TrustService } from "@certus/trust-sdk";
import { TrustError } from "../errors.js";

/** What the handlers need; filled in by the server builder. */
export interface TrustServiceDeps {
  sign?: ServiceImpl<typeof TrustService>["sign"];
  verify?: ServiceImpl<typeof TrustService>["verify"];
  getTransparency?: ServiceImpl<typeof TrustService>["getTransparency"];
  getKeys: ServiceImpl<typeof TrustService>["getKeys"];
  watchCheckpoints?: ServiceImpl<typeof TrustService>["watchCheckpoints"];
  verifyAndPermitUpload?: ServiceImpl<typeof TrustService>["verifyAndPermitUpload"];
  verifyChain?: ServiceImpl<typeof TrustService>["verifyChain"];
  legacySign?: ServiceImpl<typeof TrustService>["legacySign"];
  getStats?: ServiceImpl<typeof TrustService>["getStats"];
  getProvenance?: ServiceImpl<typeof TrustService>["getProvenance"];
  getReadiness?: ServiceImpl<typeof TrustService>["getReadiness"];
}

function unimplemented(rpc: string): never {
  throw new TrustError("UNIMPLEMENTED", `${rpc} is not available in this build yet`);
}

export function createTrustServiceImpl(deps: TrustServiceDeps): ServiceImpl<typeof TrustService> {
  return {
    sign: deps.sign ?? (() => unimplemented("Sign")),
    verify: deps.verify ?? (() => unimplemented("Verify")),
    getTransparency: deps.getTransparency ?? (() => unimplemented("GetTransparency")),
    getKeys: deps.getKeys,
    verifyAndPermitUpload: deps.verifyAndPermitUpload ?? (() => unimplemented("VerifyAndPermitUpload")),
    verifyChain: deps.verifyChain ?? (() => unimplemented("VerifyChain")),
    legacySign: deps.legacySign ?? (() => unimplemented("LegacySign")),
    getStats: deps.getStats ?? (() => unimplemented("GetStats")),
    getProvenance: deps.getProvenance ?? (() => unimplemented("GetProvenance")),
    getReadiness: deps.getReadiness ?? (() => unimplemented("GetReadiness")),
    // eslint-disable-next-line require-yield
    watchCheckpoints: deps.watchCheckpoints ?? async function* () {
      unimplemented("WatchCheckpoints");
    },
  };
}
