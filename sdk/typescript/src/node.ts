/**
 * `@certus/trust-sdk/node`: the client for Node.js, over connect-node (Connect on HTTP/1.1, gRPC
 * on HTTP/2 — h2c for `http://` URLs, which the service accepts on its one port — or gRPC-Web),
 * plus the helpers that read bundle files. Everything universal is re-exported.
 */
import { open } from "node:fs/promises";
import type { CallOptions, Transport } from "@connectrpc/connect";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { VerifyResponse } from "./gen/certus/trust/v1/verify_pb.js";
import type { Bundle } from "./gen/sigstore_bundle_pb.js";
import { TrustService } from "./gen/certus/trust/v1/trust_service_pb.js";
import { MAX_BUNDLE_BYTES, parseBundle } from "./bundle.js";
import { wrapClient, type TrustClient, type TrustProtocol } from "./client.js";
import { verifyBundle, type ExpectedSignerInput } from "./flows.js";

export * from "./index.js";

/** Options of the Node `createTrustClient`. */
export interface NodeTrustClientOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:8888`. */
  baseUrl: string;
  /** The wire protocol (default `connect`). */
  protocol?: TrustProtocol;
  /** Sent as the `x-api-key` header with every call. */
  apiKey?: string;
  /** Protobuf binary (default) or JSON; Connect and gRPC-Web only, gRPC is always binary. */
  encoding?: "binary" | "json";
  /** A transport to use instead of one built from `baseUrl` and `protocol`. */
  transport?: Transport;
}

/** A Node.js client; `close()` ends the HTTP/2 session of a gRPC client. */
export function createTrustClient(options: NodeTrustClientOptions): TrustClient {
  if (options.transport !== undefined) {
    return wrapClient(createClient(TrustService, options.transport), options.apiKey, () => {});
  }
  const baseUrl = checkBaseUrl(options.baseUrl);
  const useBinaryFormat = (options.encoding ?? "binary") === "binary";
  switch (options.protocol ?? "connect") {
    case "connect":
      return wrapClient(createClient(TrustService, createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat })), options.apiKey, () => {});
    case "grpc-web":
      return wrapClient(createClient(TrustService, createGrpcWebTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat })), options.apiKey, () => {});
    case "grpc": {
      const sessionManager = new Http2SessionManager(baseUrl);
      const transport = createGrpcTransport({ baseUrl, sessionManager });
      return wrapClient(createClient(TrustService, transport), options.apiKey, () => sessionManager.abort());
    }
    default:
      throw new TypeError(`protocol must be "connect", "grpc" or "grpc-web", got ${String(options.protocol)}`);
  }
}

function checkBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  return baseUrl.replace(/\/+$/, "");
}

/** Reads a Sigstore bundle (`bundle.sigstore.json`) from a file, at most `MAX_BUNDLE_BYTES`. */
export async function readBundleFile(path: string): Promise<Bundle> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    // Read one byte past the limit, so a file that grew after stat() is still refused.
    const buf = Buffer.alloc(Math.min(size, MAX_BUNDLE_BYTES) + 1);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_BUNDLE_BYTES) return parseBundle(new Uint8Array(MAX_BUNDLE_BYTES + 1), path);
    return parseBundle(new Uint8Array(buf.buffer, buf.byteOffset, bytesRead), path);
  } finally {
    await file.close();
  }
}

/** Verifies the bundle in the file at `path` over an artifact digest against the expected signer. */
export async function verifyBundleFile(
  client: TrustClient,
  path: string,
  digest: string,
  expected: ExpectedSignerInput,
  options?: CallOptions,
): Promise<VerifyResponse> {
  return verifyBundle(client, await readBundleFile(path), digest, expected, options);
}
