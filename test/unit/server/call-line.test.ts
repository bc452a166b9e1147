import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "@certus/trust-sdk/gen/grpc/health/v1/health_pb";
import { describe, expect, it } from "vitest";
import { REDACTED_PATHS } from "../../../src/logger.js";
import { captureLogger } from "../../helpers/log-capture.js";
import { CALL_LINE_FIELDS, callInterceptor } from "../../../src/server/interceptors.js";

describe("the call line", () => {
  it("has only fields that no redaction path names (so it may skip redaction)", () => {
    const names = REDACTED_PATHS.map((p) => p.split(".").at(-1));
    for (const field of CALL_LINE_FIELDS) expect(names).not.toContain(field);
    // Redaction reaches at most one level down, and the call line's values are strings and numbers.
    expect(REDACTED_PATHS.every((p) => p.split(".").length <= 2)).toBe(true);
  });

  it("is logged once per call, with its fields; a refused call adds its message, an internal error is redacted as before", async () => {
    const { lines, log } = captureLogger();
    const transport = createRouterTransport(
      ({ service }) =>
        service(Health, {
          check: (req) => {
            if (req.service === "refuse") throw new ConnectError("not that one", Code.NotFound);
            if (req.service === "fail") throw Object.assign(new Error("boom"), { token: "s3cr3t" });
            return { status: HealthCheckResponse_ServingStatus.SERVING };
          },
        }),
      { router: { interceptors: [callInterceptor(log, 5_000)] } },
    );
    const client = createClient(Health, transport);
    await client.check({}, { headers: { "x-request-id": "req-1" } });
    await expect(client.check({ service: "refuse" })).rejects.toThrow();
    await expect(client.check({ service: "fail" })).rejects.toThrow();
    await new Promise((r) => setImmediate(r));
    const calls = lines.filter((l) => l.msg === "call" || l.msg === "call failed");
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({ requestId: "req-1", procedure: "grpc.health.v1.Health/Check", code: "ok", service: "certus-trust" });
    expect(typeof calls[0]?.durationMs).toBe("number");
    expect(Object.keys(calls[0] ?? {}).filter((k) => !["level", "time", "service", "msg"].includes(k))).toEqual(CALL_LINE_FIELDS.filter((f) => f !== "error"));
    expect(calls[1]).toMatchObject({ code: "not_found", error: "not that one" });
    expect(calls[2]).toMatchObject({ msg: "call failed", code: "internal" });
    expect(JSON.stringify(calls[2])).not.toContain("s3cr3t");
  });
});
