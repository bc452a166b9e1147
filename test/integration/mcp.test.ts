/**
 * The MCP server, driven by the MCP SDK's own client: over stdio (`certus-trust mcp` as an IDE
 * agent starts it) and over streamable HTTP at /mcp (authenticated). Tools are listed, a signed
 * bundle gets a VERIFIED verdict, a tampered one NOT VERIFIED with reason codes.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyStore } from "../../src/state/file/api-key-store.js";
import { REPO_ROOT, startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import type { WireJson } from "../helpers/wire-json.js";

const DIGEST = `sha256:${createHash("sha256").update("mcp artifact\n").digest("hex")}`;
const TOOLS = ["verify_artifact", "sign_artifact", "get_log_entry", "get_inclusion_proof", "get_trusted_root", "explain_policy"];

let srv: TestServer;
let signKey: string;
let verifyKey: string;

type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }>; structuredContent?: WireJson };

async function httpClient(key?: string): Promise<Client> {
  const client = new Client({ name: "certus-trust-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`), key ? { requestInit: { headers: { authorization: `Bearer ${key}` } } } : {});
  await client.connect(transport);
  return client;
}

function tamper(bundle: WireJson): WireJson {
  const copy = structuredClone(bundle);
  const sig = Buffer.from(copy.dsseEnvelope.signatures[0].sig, "base64");
  sig[12]! ^= 0x01;
  copy.dsseEnvelope.signatures[0].sig = sig.toString("base64");
  return copy;
}

async function checkVerdicts(client: Client, bundle: unknown) {
  const good = (await client.callTool({
    name: "verify_artifact",
    arguments: { bundle, digest: DIGEST, expected_subject: "certus-trust@certus.cloud", expected_issuer: srv.url },
  })) as ToolResult;
  expect(good.isError).toBeFalsy();
  expect(good.structuredContent.verified).toBe(true);
  expect(good.content[0]!.text).toMatch(/^VERIFIED/);
  const bad = (await client.callTool({
    name: "verify_artifact",
    arguments: { bundle: JSON.stringify(tamper(bundle)), digest: DIGEST, expected_subject: "certus-trust@certus.cloud", expected_issuer: srv.url },
  })) as ToolResult;
  expect(bad.isError).toBeFalsy();
  expect(bad.structuredContent.verified).toBe(false);
  expect(bad.structuredContent.failures.length).toBeGreaterThan(0);
  expect(bad.content[0]!.text).toMatch(/^NOT VERIFIED/);
  const wrongSigner = (await client.callTool({
    name: "verify_artifact",
    arguments: { bundle, digest: DIGEST, expected_subject: "mallory@example.com", expected_issuer: srv.url },
  })) as ToolResult;
  expect(wrongSigner.structuredContent.verified).toBe(false);
  expect(wrongSigner.structuredContent.failures.map((f: { code: string }) => f.code)).toContain("SIGNER_MISMATCH");
}

beforeAll(async () => {
  const dir = tempDir();
  signKey = ApiKeyStore.open(dir).create("agent", ["sign", "verify", "read"]).key;
  verifyKey = ApiKeyStore.open(dir).create("reviewer", ["verify", "read"]).key;
  srv = await startTestServer({ auth: "api-key" }, dir);
});
afterAll(async () => {
  await srv?.stop();
});

describe("MCP over streamable HTTP (/mcp)", () => {
  let bundle: unknown;

  it("refuses a client without credentials", async () => {
    await expect(httpClient()).rejects.toThrow();
    const res = await fetch(`${srv.url}/mcp`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
  });

  it("lists the tools; sign_artifact only for a caller with the sign scope", async () => {
    const client = await httpClient(signKey);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names.sort()).toEqual([...TOOLS].sort());
    await client.close();
    const reviewer = await httpClient(verifyKey);
    expect((await reviewer.listTools()).tools.map((t) => t.name)).not.toContain("sign_artifact");
    await reviewer.close();
  });

  it("signs, finds the entry and its proof, and gives verdicts for a good and a tampered bundle", async () => {
    const client = await httpClient(signKey);
    const signed = (await client.callTool({ name: "sign_artifact", arguments: { digest: DIGEST, uri: "file:///tmp/mcp-artifact" } })) as ToolResult;
    expect(signed.isError).toBeFalsy();
    bundle = signed.structuredContent.bundle;
    const logIndex = signed.structuredContent.logIndex as number;
    const entry = (await client.callTool({ name: "get_log_entry", arguments: { log_index: logIndex } })) as ToolResult;
    expect(entry.structuredContent.entries[0].logIndex).toBe(logIndex);
    const proof = (await client.callTool({ name: "get_inclusion_proof", arguments: { log_index: logIndex } })) as ToolResult;
    expect(proof.structuredContent.proof.treeSize).toBeGreaterThan(logIndex);
    const root = (await client.callTool({ name: "get_trusted_root", arguments: {} })) as ToolResult;
    expect(root.structuredContent.trustedRoot.mediaType).toMatch(/trustedroot/);
    const policy = (await client.callTool({ name: "explain_policy", arguments: {} })) as ToolResult;
    expect(policy.content[0]!.text).toMatch(/policy "default"/);
    await checkVerdicts(client, bundle);
    // The in-process calls were audited under the HTTP caller.
    const lines = srv.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "call" && l.procedure.endsWith("/Sign"));
    expect(lines.at(-1).caller).toMatch(/^apikey:agent#/);
    await client.close();
  });

  describe("over stdio (certus-trust mcp)", () => {
    it("lists the tools and gives verdicts for a good and a tampered bundle", async () => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [join(REPO_ROOT, "bin/certus-trust.js"), "mcp", "--server", srv.url],
        env: { ...(process.env as Record<string, string>), CERTUS_TRUST_API_KEY: signKey },
        stderr: "pipe",
      });
      const client = new Client({ name: "certus-trust-test", version: "1.0.0" });
      await client.connect(transport);
      try {
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names.sort()).toEqual([...TOOLS].sort());
        if (bundle === undefined) {
          const signed = (await client.callTool({ name: "sign_artifact", arguments: { digest: DIGEST } })) as ToolResult;
          bundle = signed.structuredContent.bundle;
        }
        await checkVerdicts(client, bundle);
        const bad = (await client.callTool({ name: "get_log_entry", arguments: {} })) as ToolResult;
        expect(bad.isError).toBe(true);
      } finally {
        await client.close();
      }
    });
  });
});
