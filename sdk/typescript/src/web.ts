/**
 * `@certus/trust-sdk/web`: the client for browsers (and any runtime with `fetch`), over
 * connect-web: Connect (JSON by default, so calls are readable in the network panel; server
 * streaming works over HTTP/1.1 fetch) or gRPC-Web. gRPC itself needs HTTP/2 trailers, which
 * browsers do not expose. Imports no Node.js module. Everything universal is re-exported.
 */
import type { Transport } from "@connectrpc/connect";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { TrustService } from "./gen/certus/trust/v1/trust_service_pb.js";
import { wrapClient, type TrustClient, type TrustProtocol } from "./client.js";

export * from "./index.js";

/** Options of the browser `createTrustClient`. */
export interface WebTrustClientOptions {
  /** The service's base URL; default the page's own origin (`location.origin`). */
  baseUrl?: string;
  /** `connect` (default) or `grpc-web`; `grpc` is refused with a `TypeError`. */
  protocol?: TrustProtocol;
  /** Sent as the `x-api-key` header with every call (the server's CORS allows it). */
  apiKey?: string;
  /** JSON (default) or protobuf binary. */
  encoding?: "binary" | "json";
  /** A transport to use instead of one built from `baseUrl` and `protocol`. */
  transport?: Transport;
  /** The `fetch` to call through (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
}

/** A browser client. */
export function createTrustClient(options: WebTrustClientOptions = {}): TrustClient {
  const transport = options.transport ?? webTransport(options);
  return wrapClient(createClient(TrustService, transport), options.apiKey, () => {});
}

function webTransport(options: WebTrustClientOptions): Transport {
  const baseUrl = (options.baseUrl ?? globalThis.location?.origin ?? "").replace(/\/+$/, "");
  if (!/^https?:\/\//.test(baseUrl)) throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
  const useBinaryFormat = options.encoding === "binary";
  const common = { baseUrl, useBinaryFormat, ...(options.fetch ? { fetch: options.fetch } : {}) };
  switch (options.protocol ?? "connect") {
    case "connect":
      return createConnectTransport(common);
    case "grpc-web":
      return createGrpcWebTransport(common);
    case "grpc":
      throw new TypeError('browsers cannot speak gRPC (it needs HTTP/2 trailers); use protocol "connect" or "grpc-web"');
    default:
      throw new TypeError(`protocol must be "connect" or "grpc-web", got ${String(options.protocol)}`);
  }
}
