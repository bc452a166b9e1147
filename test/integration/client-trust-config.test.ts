/**
 * The client trust config (`application/vnd.dev.sigstore.clienttrustconfig.v0.1+json`) in
 * GetKeys (Connect) and GET /v1/keys: the served trusted root plus a signing config whose service
 * URLs are the instance's public URL (the reachable URL when none is configured).
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { TrustService } from "@certus/trust-sdk";
import { afterAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

type Config = {
  mediaType: string;
  trustedRoot: unknown;
  signingConfig: { caUrls: { url: string }[]; rekorTlogUrls: { url: string }[]; tsaUrls: { url: string }[] };
};

describe("client trust config", () => {
  it("GET /v1/keys and GetKeys carry the trusted root and a signing config at the reachable URL", async () => {
    const srv = await startTestServer();
    servers.push(srv);
    const keys = (await (await fetch(`${srv.url}/v1/keys`)).json()) as { trustedRoot: unknown; clientTrustConfig: Config };
    const config = keys.clientTrustConfig;
    expect(config.mediaType).toBe("application/vnd.dev.sigstore.clienttrustconfig.v0.1+json");
    expect(config.trustedRoot).toEqual(keys.trustedRoot);
    expect(config.signingConfig.caUrls.map((u) => u.url)).toEqual([srv.url]);
    expect(config.signingConfig.rekorTlogUrls.map((u) => u.url)).toEqual([srv.url]);
    expect(config.signingConfig.tsaUrls.map((u) => u.url)).toEqual([`${srv.url}/api/v1/timestamp`]);
    // The same over Connect.
    const client = createClient(TrustService, createConnectTransport({ baseUrl: srv.url, httpVersion: "1.1" }));
    const res = await client.getKeys({});
    expect(res.clientTrustConfig?.mediaType).toBe("application/vnd.dev.sigstore.clienttrustconfig.v0.1+json");
    expect(res.clientTrustConfig?.signingConfig?.caUrls[0]?.url).toBe(srv.url);
    expect(res.clientTrustConfig?.trustedRoot?.ctlogs).toHaveLength(1);
  });

  it("with a public URL, the signing config names it", async () => {
    const srv = await startTestServer({ "public-url": "https://trust.example.com" });
    servers.push(srv);
    const config = ((await (await fetch(`http://127.0.0.1:${srv.port}/v1/keys`)).json()) as { clientTrustConfig: Config }).clientTrustConfig;
    expect(config.signingConfig.caUrls.map((u) => u.url)).toEqual(["https://trust.example.com"]);
    expect(config.signingConfig.tsaUrls.map((u) => u.url)).toEqual(["https://trust.example.com/api/v1/timestamp"]);
  });
});
