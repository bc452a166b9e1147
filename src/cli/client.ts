/**
 * The client side of the CLI: commands that talk to a running server over Connect (JSON over
 * HTTP/1.1, so they work through any proxy), with the options every such command shares.
 */
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { TrustService } from "@certus/trust-sdk";

/** Default server for client commands. */
export const DEFAULT_SERVER = "http://127.0.0.1:8888";

/** Options shared by every client command. */
export const CLIENT_OPTIONS = {
  server: { type: "string" },
  "api-key": { type: "string" },
  output: { type: "string" },
  help: { type: "boolean" },
} as const;

export const CLIENT_OPTIONS_HELP = `  --server <url>           the service (default ${DEFAULT_SERVER}; env CERTUS_TRUST_SERVER)
  --api-key <key>          credentials (env CERTUS_TRUST_API_KEY)
  --output json|text       output format (default text where a command has one)`;

/** A usage mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function trustClient(values: { server?: string | undefined; "api-key"?: string | undefined }): Client<typeof TrustService> {
  const baseUrl = values.server ?? process.env["CERTUS_TRUST_SERVER"] ?? DEFAULT_SERVER;
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`--server: "${baseUrl}" is not an http(s) URL`);
  const apiKey = values["api-key"] ?? process.env["CERTUS_TRUST_API_KEY"];
  return createClient(
    TrustService,
    createConnectTransport({
      baseUrl,
      httpVersion: "1.1",
      useBinaryFormat: false,
      interceptors: apiKey ? [(next) => (req) => (req.header.set("authorization", `Bearer ${apiKey}`), next(req))] : [],
    }),
  );
}

export { replyField } from "../rpc/reply-field.js";

/** Exit code for an RPC failure: 3 when the service cannot be reached or is unavailable, else 1. */
export function exitCodeOf(err: unknown): number {
  const ce = ConnectError.from(err);
  return ce.code === Code.Unavailable || ce.code === Code.DeadlineExceeded || ce.code === Code.Unknown ? 3 : ce.code === Code.InvalidArgument ? 2 : 1;
}

/** The `--output` format: `text` (default) or `json`; anything else is a usage error. */
export function outputOf(values: { output?: string | undefined }): "json" | "text" {
  const o = values.output ?? "text";
  if (o !== "json" && o !== "text") throw new UsageError(`--output: "${o}" is not accepted; expected json or text`);
  return o;
}
