/**
 * One server, one port: the same RPC over Connect JSON (HTTP/1.1), Connect GET, gRPC (h2c, from
 * the independent @grpc/grpc-js), gRPC-Web, Connect over HTTP/2 and the REST alias must give the
 * same answer; reflection and health work over gRPC.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clone, create, fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import {
  GetKeysRequestSchema,
  GetKeysResponseSchema,
  SignRequestSchema,
  SignResponseSchema,
  TrustService,
  VerifyRequestSchema,
  VerifyResponseSchema,
  type VerifyResponse,
} from "@certus/trust-sdk";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { HealthCheckRequestSchema, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus } from "@certus/trust-sdk/gen/grpc/health/v1/health_pb";
import * as reflection from "@certus/trust-sdk/gen/grpc/reflection/v1/reflection_pb";
import * as reflectionAlpha from "@certus/trust-sdk/gen/grpc/reflection/v1alpha/reflection_pb";
import { grpcBidi, grpcClient, grpcUnary } from "../helpers/grpc.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.stop();
});

describe("one port, every protocol", () => {
  it("answers GetKeys identically over Connect JSON, Connect GET, gRPC, gRPC-Web, Connect/h2 and REST", async () => {
    const viaConnectJson = await (
      await fetch(`${srv.url}/certus.trust.v1.TrustService/GetKeys`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
    ).json();
    const getRes = await fetch(`${srv.url}/certus.trust.v1.TrustService/GetKeys?connect=v1&encoding=json&message=${encodeURIComponent("{}")}`);
    expect(getRes.status).toBe(200);
    const viaConnectGet = await getRes.json();
    const viaRest = await (await fetch(`${srv.url}/v1/keys`)).json();

    const client = grpcClient(srv.port);
    const viaGrpc = await grpcUnary(client, "/certus.trust.v1.TrustService/GetKeys", GetKeysRequestSchema, GetKeysResponseSchema, create(GetKeysRequestSchema));
    client.close();

    const grpcWeb = createClient(TrustService, createGrpcWebTransport({ baseUrl: srv.url, httpVersion: "1.1" }));
    const viaGrpcWeb = await grpcWeb.getKeys({});
    const connectH2 = createClient(TrustService, createConnectTransport({ baseUrl: srv.url, httpVersion: "2" }));
    const viaConnectH2 = await connectH2.getKeys({});

    const asJson = (m: typeof viaGrpc) => toJson(GetKeysResponseSchema, m);
    const reference = asJson(viaGrpc);
    // Every JSON answer decodes as a GetKeysResponse and equals the gRPC one.
    for (const json of [viaConnectJson, viaConnectGet, viaRest]) {
      expect(asJson(fromJson(GetKeysResponseSchema, json as JsonValue))).toEqual(reference);
    }
    expect(asJson(viaGrpcWeb)).toEqual(reference);
    expect(asJson(viaConnectH2)).toEqual(reference);
  });

  it("gives the same error code and message on every protocol for a bad request", async () => {
    const bad = { artifact: { digest: "sha256:not-hex" } };
    const rest = await fetch(`${srv.url}/v1/sign`, { method: "POST", body: JSON.stringify(bad) });
    expect(rest.status).toBe(400);
    const restBody = (await rest.json()) as { code: string; message: string };
    expect(restBody.code).toBe("invalid_argument");
    const grpcWeb = createClient(TrustService, createGrpcWebTransport({ baseUrl: srv.url, httpVersion: "1.1" }));
    const webErr = await grpcWeb.sign(bad).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(webErr?.code).toBe(Code.InvalidArgument);
    expect(webErr?.rawMessage).toBe(restBody.message);
    const client = grpcClient(srv.port);
    const grpcErr = await grpcUnary(client, "/certus.trust.v1.TrustService/Sign", SignRequestSchema, SignResponseSchema, create(SignRequestSchema, bad)).then(
      () => undefined,
      (e: unknown) => e as { code: number; details: string },
    );
    client.close();
    expect(grpcErr?.code).toBe(3);
    expect(decodeURIComponent(grpcErr?.details ?? "")).toBe(restBody.message);
  });

  it("lists the TrustService over gRPC reflection v1 and v1alpha, and serves its file", async () => {
    const client = grpcClient(srv.port);
    const [list] = await grpcBidi(
      client,
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      reflection.ServerReflectionRequestSchema,
      reflection.ServerReflectionResponseSchema,
      [create(reflection.ServerReflectionRequestSchema, { messageRequest: { case: "listServices", value: "" } })],
    );
    expect(list?.messageResponse.case).toBe("listServicesResponse");
    const names = list?.messageResponse.case === "listServicesResponse" ? list.messageResponse.value.service.map((s) => s.name) : [];
    expect(names).toContain("certus.trust.v1.TrustService");
    expect(names).toContain("grpc.health.v1.Health");

    const [file] = await grpcBidi(
      client,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      reflectionAlpha.ServerReflectionRequestSchema,
      reflectionAlpha.ServerReflectionResponseSchema,
      [create(reflectionAlpha.ServerReflectionRequestSchema, { messageRequest: { case: "fileContainingSymbol", value: "certus.trust.v1.TrustService" } })],
    );
    expect(file?.messageResponse.case).toBe("fileDescriptorResponse");
    const count = file?.messageResponse.case === "fileDescriptorResponse" ? file.messageResponse.value.fileDescriptorProto.length : 0;
    // The service file and its imports (sign, verify, keys, transparency, Sigstore's protos, …).
    expect(count).toBeGreaterThan(5);

    const [missing] = await grpcBidi(
      client,
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      reflection.ServerReflectionRequestSchema,
      reflection.ServerReflectionResponseSchema,
      [create(reflection.ServerReflectionRequestSchema, { messageRequest: { case: "fileContainingSymbol", value: "no.such.Service" } })],
    );
    expect(missing?.messageResponse.case).toBe("errorResponse");
    client.close();
  });

  it("reports SERVING over gRPC health, for the server and for the TrustService", async () => {
    const client = grpcClient(srv.port);
    for (const service of ["", "certus.trust.v1.TrustService"]) {
      const res = await grpcUnary(
        client,
        "/grpc.health.v1.Health/Check",
        HealthCheckRequestSchema,
        HealthCheckResponseSchema,
        create(HealthCheckRequestSchema, { service }),
      );
      expect(res.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    }
    await expect(
      grpcUnary(
        client,
        "/grpc.health.v1.Health/Check",
        HealthCheckRequestSchema,
        HealthCheckResponseSchema,
        create(HealthCheckRequestSchema, { service: "nope" }),
      ),
    ).rejects.toMatchObject({ code: 5 });
    client.close();
  });

  it("serves /healthz and /readyz", async () => {
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });
});

describe("Verify over binary protobuf: the bundles go to the workers as the client's own bytes", () => {
  it("gives gRPC, Connect binary and Connect JSON the same verdicts for a bundle and a list (one tampered)", async () => {
    const connectJson = createClient(TrustService, createConnectTransport({ baseUrl: srv.url, httpVersion: "1.1", useBinaryFormat: false }));
    const connectBinary = createClient(TrustService, createConnectTransport({ baseUrl: srv.url, httpVersion: "1.1", useBinaryFormat: true }));
    const digest = `sha256:${"5e".repeat(32)}`;
    const signed = await Promise.all([0, 1].map(() => connectJson.sign({ artifact: { digest } })));
    const [a, b] = signed.map((s) => s.bundle!);
    const tampered = clone(BundleSchema, b!);
    if (tampered.content.case !== "dsseEnvelope") throw new Error("expected a DSSE bundle");
    tampered.content.value.signatures[0]!.sig = new Uint8Array(tampered.content.value.signatures[0]!.sig).fill(7, 8, 16);
    const req = create(VerifyRequestSchema, {
      artifact: { digest },
      bundle: a,
      bundles: [b!, tampered],
      expectedSigner: { subject: signed[0]!.signer!.subject },
    });

    const verdicts = (r: VerifyResponse) => [r.verified, ...r.results.map((x) => x.verified)];
    const viaJson = await connectJson.verify(req);
    const viaBinary = await connectBinary.verify(req);
    const viaGrpc = await grpcUnary(grpcClient(srv.port), "/certus.trust.v1.TrustService/Verify", VerifyRequestSchema, VerifyResponseSchema, req);
    expect(verdicts(viaJson)).toEqual([true, true, false]);
    expect(verdicts(viaBinary)).toEqual(verdicts(viaJson));
    expect(verdicts(viaGrpc)).toEqual(verdicts(viaJson));
    expect(viaGrpc.failures.map((f) => f.code)).toEqual(viaJson.failures.map((f) => f.code));
    expect(viaGrpc.results.map((r) => r.failures.map((f) => f.code))).toEqual(viaJson.results.map((r) => r.failures.map((f) => f.code)));
  });
});
