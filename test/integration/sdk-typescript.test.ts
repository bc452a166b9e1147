/**
 * The TypeScript SDK against a real server, over Connect, gRPC and gRPC-Web: the same scenario as
 * the Python and Go SDK tests (test/browser/sdk-scenario.ts, which also runs in a browser), plus
 * what only Node has (bundle files) and the client options (API key header, bad options).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toJsonString } from "@bufbuild/protobuf";
import { createRouterTransport } from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import {
  BundleSchema,
  Code,
  FAILURE_CODES,
  TrustError,
  TrustService,
  createTrustClient,
  readBundleFile,
  signDigest,
  verifyBundleFile,
  type TrustClient,
  type TrustProtocol,
} from "@certus/trust-sdk/node";
import { createTrustClient as createUniversalClient } from "@certus/trust-sdk";
import { freshDigest, runSdkScenario, tampered } from "../browser/sdk-scenario.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let dir: string;

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), "certus-sdk-ts-"));
});
afterAll(async () => {
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PROTOCOLS: TrustProtocol[] = ["connect", "grpc", "grpc-web"];

describe.each(PROTOCOLS)("createTrustClient over %s", (protocol) => {
  const withClient = async (f: (client: TrustClient) => Promise<void>) => {
    const client = createTrustClient({ baseUrl: srv.url, protocol });
    try {
      await f(client);
    } finally {
      client.close();
    }
  };

  it("signs, verifies a bundle and a tampered copy, proves inclusion, fetches keys and sees a new checkpoint", () =>
    withClient(async (client) => {
      const report = await runSdkScenario(client);
      expect(report.verified).toBe(true);
      expect(report.tamperedVerified).toBe(false);
      expect(report.tamperedCodes.length).toBeGreaterThan(0);
      for (const code of report.tamperedCodes) expect(FAILURE_CODES).toContain(code);
      expect(report.expectVerifiedCode).toBe("failed_precondition");
      expect(BigInt(report.watchedAfter)).toBeGreaterThan(BigInt(report.logIndex));
      expect(BigInt(report.proofTreeSize)).toBeGreaterThan(BigInt(report.logIndex));
      expect(report.keys).toContain("TLOG");
      expect(report.badDigestCode).toBe("invalid_argument");
      expect(report.badDigestFields).toContain("artifact.digest");
    }));

  it("verifies bundle files: the signed one, a tampered copy (a failure code), and refuses a file that is not a bundle", () =>
    withClient(async (client) => {
      const digest = freshDigest();
      const signed = await signDigest(client, digest, { uri: "s3://certus-artifacts/scans/43.json", format: "message-signature" });
      const good = join(dir, `${protocol}-good.sigstore.json`);
      const bad = join(dir, `${protocol}-bad.sigstore.json`);
      writeFileSync(good, toJsonString(BundleSchema, signed.bundle!));
      writeFileSync(bad, toJsonString(BundleSchema, tampered(signed.bundle!)));
      const expected = { subject: signed.signer!.subject, issuer: signed.signer!.issuer };

      const ok = await verifyBundleFile(client, good, digest, expected);
      expect(ok.verified, JSON.stringify(ok.failures)).toBe(true);
      expect((await readBundleFile(good)).mediaType).toBe(signed.bundle!.mediaType);

      const refused = await verifyBundleFile(client, bad, digest, expected);
      expect(refused.verified).toBe(false);
      expect(refused.failures.map((f) => f.code)).toContain("SIGNATURE_INVALID");

      const wrongSigner = await verifyBundleFile(client, good, digest, { ...expected, subject: "someone-else@certus.cloud" });
      expect(wrongSigner.verified).toBe(false);
      expect(wrongSigner.failures.map((f) => f.code)).toContain("SIGNER_MISMATCH");

      const notABundle = join(dir, "not-a-bundle.json");
      writeFileSync(notABundle, '{"hello": "world"}');
      const err = await verifyBundleFile(client, notABundle, digest, expected).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TrustError);
      expect((err as TrustError).code).toBe(Code.InvalidArgument);
      expect((err as TrustError).violations[0]?.field).toBe("bundle");
    }));
});

describe("client options and the error model", () => {
  it("sends the API key as x-api-key with every unary and streaming call", async () => {
    const seen: Array<string | null> = [];
    const transport = createRouterTransport(({ service }) =>
      service(TrustService, {
        getKeys: (_req, ctx) => {
          seen.push(ctx.requestHeader.get("x-api-key"));
          return {};
        },
        watchCheckpoints(_req, ctx) {
          seen.push(ctx.requestHeader.get("x-api-key"));
          return createAsyncIterable([{ treeSize: 1n }]);
        },
      }),
    );
    const client = createUniversalClient({ transport, apiKey: "k-123" });
    await client.getKeys();
    for await (const cp of client.watchCheckpoints()) expect(cp.treeSize).toBe(1n);
    expect(seen).toEqual(["k-123", "k-123"]);
  });

  it("reports an unreachable server as unavailable and refuses bad options with TypeError", async () => {
    const client = createTrustClient({ baseUrl: "http://127.0.0.1:1", protocol: "connect" });
    const err = await client.getKeys().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustError);
    expect((err as TrustError).codeName).toBe("unavailable");
    expect(() => createTrustClient({ baseUrl: "ftp://x", protocol: "connect" })).toThrow(TypeError);
    expect(() => createTrustClient({ baseUrl: srv.url, protocol: "http3" as TrustProtocol })).toThrow(TypeError);
    await expect(signDigest(client, freshDigest(), { format: "pgp" as "dsse" })).rejects.toThrow(TypeError);
  });
});
