/**
 * The universal client: one method per RPC over any Connect `Transport` (Node or browser), every
 * failure converted to a `TrustError`. `@certus/trust-sdk/node` and `@certus/trust-sdk/web` build
 * the transport from a base URL and a protocol; this module imports nothing runtime-specific.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { createClient, type CallOptions, type Client, type Transport } from "@connectrpc/connect";
import type { GetKeysRequestSchema, GetKeysResponse } from "./gen/certus/trust/v1/keys_pb.js";
import type { SignRequestSchema, SignResponse } from "./gen/certus/trust/v1/sign_pb.js";
import type {
  GetTransparencyRequestSchema,
  GetTransparencyResponse,
  WatchCheckpointsRequestSchema,
  WatchCheckpointsResponse,
} from "./gen/certus/trust/v1/transparency_pb.js";
import { TrustService } from "./gen/certus/trust/v1/trust_service_pb.js";
import type { VerifyRequestSchema, VerifyResponse } from "./gen/certus/trust/v1/verify_pb.js";
import { TrustError } from "./errors.js";

/** The header that carries the API key given as `apiKey`. */
export const API_KEY_HEADER = "x-api-key";

/** The wire protocols the service speaks on its one port. */
export type TrustProtocol = "connect" | "grpc" | "grpc-web";

/** A request as a message or a plain object of its fields (`{ artifact: { digest } }`). */
export type SignRequestInit = MessageInitShape<typeof SignRequestSchema>;
export type VerifyRequestInit = MessageInitShape<typeof VerifyRequestSchema>;
export type GetTransparencyRequestInit = MessageInitShape<typeof GetTransparencyRequestSchema>;
export type GetKeysRequestInit = MessageInitShape<typeof GetKeysRequestSchema>;
export type WatchCheckpointsRequestInit = MessageInitShape<typeof WatchCheckpointsRequestSchema>;

/**
 * A Certus-Trust client. Every method throws (or, for the stream, yields then throws) a
 * `TrustError`; `options` are Connect's per-call options (`timeoutMs`, `signal`, `headers`).
 */
export interface TrustClient {
  /** Signs an artifact with the service's identity; the bundle's log entry is durable. */
  sign(request: SignRequestInit, options?: CallOptions): Promise<SignResponse>;
  /** Verifies bundles over an artifact. A well-formed request succeeds whatever the verdict. */
  verify(request: VerifyRequestInit, options?: CallOptions): Promise<VerifyResponse>;
  /** Looks up log entries with inclusion proofs, or a consistency proof. */
  getTransparency(request: GetTransparencyRequestInit, options?: CallOptions): Promise<GetTransparencyResponse>;
  /** The trusted root, the public keys and where the TUF repository is. */
  getKeys(request?: GetKeysRequestInit, options?: CallOptions): Promise<GetKeysResponse>;
  /**
   * The log's current signed checkpoint, then each new one, until `options.signal` aborts, the
   * server ends the stream, or the loop is left (`break` closes the stream).
   */
  watchCheckpoints(request?: WatchCheckpointsRequestInit, options?: CallOptions): AsyncIterable<WatchCheckpointsResponse>;
  /** Releases connections the client opened itself (HTTP/2 sessions); a no-op otherwise. */
  close(): void;
  /** The underlying Connect client, for what this interface does not cover (errors unconverted). */
  readonly rpc: Client<typeof TrustService>;
}

/** Options of the universal `createTrustClient`. */
export interface TrustClientOptions {
  /** The Connect transport to call through (connect-node, connect-web, or a router transport). */
  transport: Transport;
  /** Sent as the `x-api-key` header with every call, unless a call sets that header itself. */
  apiKey?: string;
}

/** A client over the given transport. */
export function createTrustClient(options: TrustClientOptions): TrustClient {
  return wrapClient(createClient(TrustService, options.transport), options.apiKey, () => {});
}

/** Wraps a Connect client: API key header, `TrustError` conversion, and a close hook. */
export function wrapClient(rpc: Client<typeof TrustService>, apiKey: string | undefined, close: () => void): TrustClient {
  const withKey = (options: CallOptions | undefined): CallOptions | undefined => {
    if (apiKey === undefined || apiKey === "") return options;
    const headers = new Headers(options?.headers);
    if (!headers.has(API_KEY_HEADER)) headers.set(API_KEY_HEADER, apiKey);
    return { ...options, headers };
  };
  const unary =
    <I, O>(call: (req: I, options?: CallOptions) => Promise<O>) =>
    async (req: I, options?: CallOptions): Promise<O> => {
      try {
        return await call(req, withKey(options));
      } catch (err) {
        throw TrustError.from(err);
      }
    };
  return {
    rpc,
    sign: unary(rpc.sign),
    verify: unary(rpc.verify),
    getTransparency: unary(rpc.getTransparency),
    getKeys: (req = {}, options) => unary(rpc.getKeys)(req, options),
    watchCheckpoints(req = {}, options) {
      const stream = rpc.watchCheckpoints(req, withKey(options));
      return {
        async *[Symbol.asyncIterator]() {
          try {
            yield* stream;
          } catch (err) {
            throw TrustError.from(err);
          }
        },
      };
    },
    close,
  };
}
