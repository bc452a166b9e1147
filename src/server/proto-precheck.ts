/**
 * Binary protobuf bodies of unary calls — Connect (`application/proto`) and gRPC / gRPC-Web
 * (`application/grpc[+proto]`, `application/grpc-web[+proto]`, one length-prefixed message) —
 * decoded once before the router sees them. connect-es reports a body that does not decode as
 * `internal` (a server fault); it is the caller's mistake, so it is answered here as
 * `invalid_argument` naming the message type. A body that decodes is handed on unchanged;
 * compressed gRPC messages are left to the router.
 */
import { readAndReplayBody } from "../http/body.js";
import type { Req } from "../http/types.js";
import { fromBinary, type DescMessage, type DescService } from "@bufbuild/protobuf";
import type { PrecheckResult } from "../http/json-precheck.js";

/** The message bytes of requests that passed the check, for the handlers (see `rpc/request-bytes.ts`). */
const checkedMessages = new WeakMap<Req, Uint8Array>();

/** The request message's bytes when {@link precheckProtoBody} decoded them (binary, uncompressed); else undefined. */
export function checkedMessageOf(req: Req): Uint8Array | undefined {
  return checkedMessages.get(req);
}

/** Maps `/<service>/<Method>` of unary methods to their input message. */
export function unaryInputs(services: readonly DescService[]): Map<string, DescMessage> {
  const out = new Map<string, DescMessage>();
  for (const s of services) for (const m of s.methods) if (m.methodKind === "unary") out.set(`/${s.typeName}/${m.name}`, m.input);
  return out;
}

export async function precheckProtoBody(req: Req, maxBodyBytes: number, inputs: ReadonlyMap<string, DescMessage>): Promise<PrecheckResult> {
  const ct = req.headers["content-type"] ?? "";
  const framed = isBinaryGrpc(ct);
  if (req.method !== "POST" || (ct !== "application/proto" && !framed)) return { ok: true };
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding !== "identity") return { ok: true };
  const input = inputs.get((req.url ?? "").split("?")[0] ?? "");
  if (input === undefined) return { ok: true };
  const body = await readAndReplayBody(req, maxBodyBytes + (framed ? 5 : 0));
  if (body === undefined) return { ok: false, code: "resource_exhausted", message: `request body is larger than the limit of ${maxBodyBytes} bytes` };
  let message: Uint8Array = body;
  if (framed) {
    // One message: flags (bit 0: compressed), a 4-byte big-endian length, the message.
    if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5) {
      return { ok: false, code: "invalid_argument", message: `request body is not one length-prefixed ${input.typeName} message` };
    }
    if ((body.readUInt8(0) & 1) !== 0) return { ok: true };
    message = body.subarray(5);
  }
  try {
    fromBinary(input, message);
  } catch (err) {
    return {
      ok: false,
      code: "invalid_argument",
      message: `request body is not a valid ${input.typeName} in protobuf binary: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  checkedMessages.set(req, message);
  return { ok: true };
}

/** gRPC and gRPC-Web content types whose messages are binary protobuf. */
export function isBinaryGrpc(contentType: string): boolean {
  const ct = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return ct === "application/grpc" || ct === "application/grpc+proto" || ct === "application/grpc-web" || ct === "application/grpc-web+proto";
}
