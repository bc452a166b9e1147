/**
 * Issue #14, finding 8, the smaller holes: oversized bodies are 413 `resource_exhausted` (JSON and
 * binary alike); a chunked 100 MB body to the Rekor path gets a status, not a reset; invalid UTF-8
 * in JSON is refused (it was signed as U+FFFD); the log's database files are 0600; MCP
 * `explain_policy` needs `read`; `/mcp` bodies have the JSON depth limit; watch streams are capped
 * in number and lifetime.
 */
import { statSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { connect as netConnect } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyStore } from "../../src/state/file/api-key-store.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

let open: TestServer;
let authed: TestServer;
let signOnly: string;
let reader: string;

beforeAll(async () => {
  const dir = tempDir();
  signOnly = ApiKeyStore.open(dir).create("sign-only", ["sign"]).key;
  reader = ApiKeyStore.open(dir).create("reader", ["read"]).key;
  [open, authed] = await Promise.all([
    startTestServer({ "watch-max-streams": "3", "watch-max-lifetime-ms": "1500" }),
    startTestServer({ auth: "api-key" }, dir),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), authed?.stop()]);
});

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("request bodies", () => {
  it("an oversized JSON or binary body is 413 resource_exhausted", async () => {
    const big = JSON.stringify({ artifact: { digest: DIGEST }, pad: "x".repeat(5 * 1024 * 1024) });
    const json = await fetch(`${open.url}/v1/sign`, { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(json.status).toBe(413);
    expect(((await json.json()) as WireJson).code).toBe("resource_exhausted");
    const proto = await fetch(`${open.url}/certus.trust.v1.TrustService/Sign`, {
      method: "POST",
      headers: { "content-type": "application/proto" },
      body: Buffer.alloc(5 * 1024 * 1024, 0x0a),
    });
    expect(proto.status).toBe(413);
    expect(((await proto.json()) as WireJson).code).toBe("resource_exhausted");
  });

  it("a chunked 100 MB body to the Rekor write path gets a 413 status, after a few MB", async () => {
    const s = netConnect(open.port, "127.0.0.1");
    s.on("error", () => {});
    let answer = "";
    s.on("data", (d: Buffer) => (answer += d.toString("latin1")));
    await new Promise<void>((r) => s.once("connect", () => r()));
    s.write("POST /api/v1/log/entries HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n");
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]);
    let sent = 0;
    const answered = new Promise<void>((r) => s.once("data", () => r()));
    while (sent < 100 * 1024 * 1024 && answer === "" && !s.destroyed) {
      // Wait for room or for the answer (the server stops reading once it has refused).
      if (!s.write(frame)) await Promise.race([new Promise((r) => s.once("drain", r)), answered, new Promise((r) => setTimeout(r, 2_000))]);
      sent += chunk.length;
    }
    // The answer may trail the last write by a few seconds on a loaded machine.
    const deadline = Date.now() + 10_000;
    while (answer === "" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    s.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/request body exceeds/);
    expect(sent).toBeLessThan(20 * 1024 * 1024);
  });

  it("invalid UTF-8 in a Sign request is refused with invalid_argument, nothing signed", async () => {
    const before = open.server.stack.log.size;
    const body = Buffer.concat([Buffer.from(`{"artifact":{"digest":"${DIGEST}","uri":"oci://x/`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}')]);
    const r = await fetch(`${open.url}/v1/sign`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(r.status).toBe(400);
    const json = (await r.json()) as WireJson;
    expect(json.code).toBe("invalid_argument");
    expect(json.message).toMatch(/UTF-8/);
    expect(open.server.stack.log.size).toBe(before);
  });
});

describe("files", () => {
  it("tlog.sqlite and its -wal/-shm are 0600", async () => {
    await fetch(`${open.url}/v1/sign`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ artifact: { digest: DIGEST } }),
    });
    const files = readdirSync(open.dataDir, { recursive: true })
      .map(String)
      .filter((f) => /tlog\.sqlite/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect((statSync(join(open.dataDir, f)).mode & 0o777).toString(8), f).toBe("600");
  });
});

describe("MCP", () => {
  async function mcpClient(key: string): Promise<Client> {
    const client = new Client({ name: "attack-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${authed.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
    return client;
  }

  it("explain_policy needs the read scope", async () => {
    const noRead = await mcpClient(signOnly);
    const denied = (await noRead.callTool({ name: "explain_policy", arguments: {} })) as { isError?: boolean; content: { text?: string }[] };
    expect(denied.isError).toBe(true);
    expect(denied.content[0]?.text).toMatch(/"read" scope/);
    await noRead.close();
    const withRead = await mcpClient(reader);
    const ok = (await withRead.callTool({ name: "explain_policy", arguments: {} })) as { isError?: boolean };
    expect(ok.isError).toBeFalsy();
    await withRead.close();
  });

  it("/mcp refuses a deeply nested body before parsing it", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const r = await fetch(`${authed.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${reader}` },
      body: deep,
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as WireJson).message).toMatch(/nest/);
  });
});

describe("watch streams", () => {
  const watch = (signal: AbortSignal) =>
    fetch(`${open.url}/certus.trust.v1.TrustService/WatchCheckpoints`, {
      method: "POST",
      headers: { "content-type": "application/connect+json" },
      body: Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), Buffer.from("{}")]),
      signal,
    });

  it("at most watchMaxStreams at once, each ending after watchMaxLifetimeMs", async () => {
    const abort = new AbortController();
    try {
      const streams = await Promise.all([watch(abort.signal), watch(abort.signal), watch(abort.signal)]);
      const readers = streams.map((s) => s.body!.getReader());
      await Promise.all(readers.map((r) => r.read()));
      const fourth = await watch(abort.signal);
      const text = Buffer.from(await fourth.arrayBuffer()).toString();
      expect(text).toMatch(/resource_exhausted/);
      expect(text).toMatch(/3 checkpoint watchers are open/);
      // Each stream ends by itself after its lifetime (the end-of-stream message, then done).
      const started = Date.now();
      await Promise.all(
        readers.map(async (r) => {
          while (!(await r.read()).done);
        }),
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      const again = await watch(abort.signal);
      const first = await again.body!.getReader().read();
      expect(Buffer.from(first.value).toString()).toMatch(/checkpoint/);
    } finally {
      abort.abort();
    }
  });

  it("a watcher that goes away frees its place at once", async () => {
    for (let round = 0; round < 3; round++) {
      const abort = new AbortController();
      const streams = await Promise.all([watch(abort.signal), watch(abort.signal), watch(abort.signal)]);
      for (const s of streams) expect(Buffer.from((await s.body!.getReader().read()).value).toString()).toMatch(/checkpoint/);
      abort.abort();
      await new Promise((r) => setTimeout(r, 300));
    }
  });
});
