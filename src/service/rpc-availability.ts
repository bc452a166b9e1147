/**
 * The one table of which RPC each mode serves. Every handler is built on ports, so an RPC is
 * refused only when what it needs is missing: a log capability the mode's log lacks (Rekor v2
 * without a read URL cannot answer reads through this service), or the embedded stack itself. A refused RPC answers `unimplemented`
 * with a message naming where to get the same answer instead. Nothing else decides this.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { TrustService } from "@certus/trust-sdk";
import { TrustError } from "../errors.js";
import type { LogCapability, TransparencyLog } from "../sigstore/transparency-log.js";

export type TrustServiceImpl = ServiceImpl<typeof TrustService>;
export type TrustRpc = keyof TrustServiceImpl;
export type ServiceMode = "embedded" | "sigstore";

/** What an RPC needs beyond the ports every mode has. */
type Need =
  | { readonly always: true }
  /** A capability of the transparency log. */
  | { readonly log: LogCapability }
  /** The embedded mode; `instead` says what to use otherwise. */
  | { readonly embedded: string };

/** The table. The RPC names are those of the proto (camelCase). */
export const RPC_NEEDS: Readonly<Record<TrustRpc, Need>> = {
  sign: { always: true },
  verify: { always: true },
  getKeys: { always: true },
  getTransparency: { log: "readByIndex" },
  watchCheckpoints: { log: "watch" },
  // The Certus workflows run over the ports in both modes (issue #15): the upload permission logs
  // an inner signature that is not logged yet, chain verification finds logged signatures by
  // digest, stats read the log's checkpoint.
  verifyAndPermitUpload: { log: "append" },
  verifyChain: { log: "search" },
  legacySign: { always: true },
  getStats: { log: "readByIndex" },
  getProvenance: { always: true },
  getReadiness: { always: true },
};

/** The proto's name of an RPC, for messages. */
function protoName(rpc: TrustRpc): string {
  return rpc.charAt(0).toUpperCase() + rpc.slice(1);
}

/** Why `rpc` is refused in `mode` with `log`, or undefined when it is served. */
export function refusalOf(rpc: TrustRpc, mode: ServiceMode, log: TransparencyLog): string | undefined {
  const need = RPC_NEEDS[rpc];
  if ("embedded" in need) return mode === "embedded" ? undefined : need.embedded;
  if ("log" in need) return log.capabilities[need.log] ? undefined : log.insteadOf(need.log);
  return undefined;
}

/** True when `mode` serves `rpc`; the composition root builds only what is served. */
export function serves(rpc: TrustRpc, mode: ServiceMode, log: TransparencyLog): boolean {
  return refusalOf(rpc, mode, log) === undefined;
}

/**
 * The service implementation: the handler of each served RPC, and for every other one a handler
 * that refuses with `UNIMPLEMENTED` and the table's hint. A served RPC without a handler is a
 * wiring mistake and throws here, at start-up.
 */
export function assembleService(handlers: Partial<TrustServiceImpl>, mode: ServiceMode, log: TransparencyLog): TrustServiceImpl {
  const impl: Partial<Record<TrustRpc, unknown>> = {};
  for (const rpc of Object.keys(RPC_NEEDS) as TrustRpc[]) {
    const why = refusalOf(rpc, mode, log);
    if (why === undefined) {
      if (handlers[rpc] === undefined) throw new TypeError(`no handler for ${protoName(rpc)}, which mode "${mode}" serves`);
      impl[rpc] = handlers[rpc];
      continue;
    }
    const error = () => new TrustError("UNIMPLEMENTED", `${protoName(rpc)} is not available with mode "${mode}": ${why}`);
    impl[rpc] =
      rpc === "watchCheckpoints"
        ? () => failingStream(error)
        : () => {
            throw error();
          };
  }
  return impl as TrustServiceImpl;
}

/** A server stream that fails on its first read, with the error made then. */
function failingStream(error: () => Error): AsyncIterable<never> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error()) }) };
}
