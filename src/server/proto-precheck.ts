/**
 * Binary protobuf bodies of Connect unary calls (`application/proto`), decoded once before the
 * router sees them. connect-es reports a body that does not decode as `internal` (a server fault);
 * it is the caller's mistake, so it is answered here as `invalid_argument` naming the message type.
 * A body that decodes is handed on unchanged.
 */
import { readAndReplayBody } from "../http/body.js";
import type { Req } from "../http/types.js";
import { fromBinary, type DescMessage, type DescService } from "@bufbuild/protobuf";
import type { PrecheckResult } from "./json-precheck.js";

/** Maps `/<service>/<Method>` of unary methods to their input message. */
export function unaryInputs(services: readonly DescService[]): Map<string, DescMessage> {
  const out = new Map<string, DescMessage>();
  for (const s of services) for (const m of s.methods) if (m.methodKind === "unary") out.set(`/${s.typeName}/${m.name}`, m.input);
  return out;
}

export async function precheckProtoBody(
  req: Req,
  maxBodyBytes: number,
  inputs: ReadonlyMap<string, DescMessage>,
): Promise<PrecheckResult> {
  const ct = req.headers["content-type"] ?? "";
  if (req.method !== "POST" || ct !== "application/proto") return { ok: true };
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding !== "identity") return { ok: true };
  const input = inputs.get((req.url ?? "").split("?")[0] ?? "");
  if (input === undefined) return { ok: true };
  const body = await readAndReplayBody(req, maxBodyBytes);
  if (body === undefined) return { ok: false, code: "resource_exhausted", message: `request body is larger than the limit of ${maxBodyBytes} bytes` };
  try {
    fromBinary(input, body);
  } catch (err) {
    return { ok: false, code: "invalid_argument", message: `request body is not a valid ${input.typeName} in protobuf binary: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { ok: true };
}
