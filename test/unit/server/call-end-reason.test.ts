import { Code, ConnectError, createHandlerContext } from "@connectrpc/connect";
import { TrustService } from "@certus/trust-sdk";
import { describe, expect, it } from "vitest";
import { CALL_ENDED, presetCallEndReason } from "../../../src/server/call-end-reason.js";

function context() {
  const method = TrustService.method.sign;
  return createHandlerContext({
    service: TrustService,
    method,
    protocolName: "grpc",
    requestMethod: "POST",
    url: "http://localhost/certus.trust.v1.TrustService/Sign",
    requestSignal: new AbortController().signal,
  });
}

describe("presetCallEndReason (Connect's request gate)", () => {
  it("gives a reasonless end of call the pre-built AbortError, as Node's own abort() reason reads", () => {
    const ctx = context();
    presetCallEndReason(ctx);
    ctx.abort();
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe(CALL_ENDED);
    const native = new AbortController();
    native.abort();
    const reason = native.signal.reason as DOMException;
    expect(CALL_ENDED).toBeInstanceOf(DOMException);
    expect([CALL_ENDED.name, CALL_ENDED.message, CALL_ENDED.code]).toEqual([reason.name, reason.message, reason.code]);
    expect(ConnectError.from(ctx.signal.reason).code).toBe(Code.Canceled);
  });

  it("keeps a reason of its own (an error that ended the call)", () => {
    const ctx = context();
    presetCallEndReason(ctx);
    const err = new ConnectError("deadline", Code.DeadlineExceeded);
    ctx.abort(err);
    expect(ctx.signal.reason).toBe(err);
  });
});
