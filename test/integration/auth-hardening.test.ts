/**
 * Hardening at the edge and the client commands that go with authentication: hostile JSON is
 * refused before parsing, errors carry no stack or path, and every RPC has a CLI command with the
 * documented exit codes (0 ok, 1 verification failed, 2 usage, 3 unavailable).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeyStore } from "../../src/state/file/api-key-store.js";
import { REPO_ROOT, startTestServer, tempDir, type TestServer } from "../helpers/server.js";
import { execFailure } from "../helpers/cli.js";

const run = promisify(execFile);
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [join(REPO_ROOT, "bin/certus-trust.js"), ...args], { env: { ...process.env, ...env } }).then((r) => ({ code: 0, ...r }), execFailure);
const DIGEST = `sha256:${"77".repeat(32)}`;

let srv: TestServer;
let key: string;
let readKey: string;

beforeAll(async () => {
  const dir = tempDir();
  key = ApiKeyStore.open(dir).create("cli", ["sign", "verify", "read"]).key;
  readKey = ApiKeyStore.open(dir).create("ro", ["read"]).key;
  srv = await startTestServer({ auth: "api-key" }, dir);
});
afterAll(async () => {
  await srv?.stop();
});

async function post(body: string) {
  const res = await fetch(`${srv.url}/v1/verify`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body });
  return { status: res.status, text: await res.text() };
}

describe("hostile input", () => {
  it("deep JSON and huge strings are refused before parsing, without stack or paths", async () => {
    const deep = await post("[".repeat(100_000) + "]".repeat(100_000));
    expect(deep.status).toBe(400);
    expect(JSON.parse(deep.text)).toMatchObject({ code: "invalid_argument" });
    expect(deep.text).toMatch(/deeper than 64/);
    const long = await post(JSON.stringify({ artifact: { digest: "x".repeat(2 * 1024 * 1024) } }));
    expect(long.status).toBe(400);
    expect(long.text).toMatch(/string of/);
    for (const t of [deep.text, long.text, (await post("{nope")).text]) {
      expect(t).not.toMatch(/\n\s+at |\/work\/|node_modules|\.ts:\d+/);
    }
  });
});

describe("CLI client commands", () => {
  it("sign, verify (exit 0, then 1 for the wrong signer), proof, watch, keys", async () => {
    const dir = tempDir();
    const bundleFile = join(dir, "bundle.json");
    const signed = await cli(["sign", "--server", srv.url, "--api-key", key, "--digest", DIGEST, "--out", bundleFile]);
    expect(signed.code).toBe(0);
    const ok = await cli(
      ["verify", "--server", srv.url, "--bundle", bundleFile, "--digest", DIGEST, "--subject", "certus-trust@certus.cloud", "--issuer", srv.url],
      { CERTUS_TRUST_API_KEY: key },
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^verified: /);
    const bad = await cli([
      "verify",
      "--server",
      srv.url,
      "--api-key",
      key,
      "--bundle",
      bundleFile,
      "--digest",
      DIGEST,
      "--subject",
      "mallory@example.com",
      "--issuer",
      srv.url,
      "--output",
      "json",
    ]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).failures[0].code).toBe("SIGNER_MISMATCH");
    const logIndex = /log index (\d+)/.exec(signed.stderr)![1]!;
    const proof = await cli(["proof", "--server", srv.url, "--api-key", readKey, "--log-index", logIndex]);
    expect(proof.code).toBe(0);
    expect(proof.stdout).toMatch(new RegExp(`#${logIndex} `));
    const consistency = await cli(["transparency", "--server", srv.url, "--api-key", readKey, "--first-size", "1", "--last-size", "1", "--output", "json"]);
    expect(consistency.code, consistency.stderr).toBe(0);
    const watch = await cli(["watch", "--server", srv.url, "--api-key", readKey, "--count", "1"]);
    expect(watch.code).toBe(0);
    expect(watch.stdout).toMatch(/^size \d+ root [0-9a-f]{64}/);
    expect((await cli(["keys", "--server", srv.url, "--api-key", readKey])).code).toBe(0);
  });

  it("usage mistakes exit 2, missing credentials 1, an unreachable server 3; --help works", async () => {
    for (const c of ["verify", "proof", "watch", "apikey", "mcp"]) {
      const h = await cli([c, "--help"]);
      expect(h.code, c).toBe(0);
      expect(h.stdout, c).toMatch(/Usage: certus-trust/);
    }
    expect((await cli(["verify", "--server", srv.url])).code).toBe(2);
    expect((await cli(["proof", "--server", srv.url, "--output", "yaml", "--log-index", "0"])).code).toBe(2);
    const denied = await cli(["proof", "--server", srv.url, "--log-index", "0"], { CERTUS_TRUST_API_KEY: "" });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/authentication required/);
    expect((await cli(["keys", "--server", "http://127.0.0.1:1"])).code).toBe(3);
  });

  it("apikey create / list / revoke on a data directory", async () => {
    const dir = tempDir();
    const made = await cli(["apikey", "create", "--name", "bot", "--scopes", "verify", "--data-dir", dir, "--output", "json"]);
    expect(made.code).toBe(0);
    const rec = JSON.parse(made.stdout) as { id: string; key: string };
    const list = await cli(["apikey", "list", "--data-dir", dir]);
    expect(list.stdout).toContain(rec.id);
    expect(list.stdout).not.toContain(rec.key);
    expect((await cli(["apikey", "revoke", rec.id, "--data-dir", dir])).code).toBe(0);
    expect((await cli(["apikey", "list", "--data-dir", dir])).stdout).toMatch(/REVOKED/);
    expect((await cli(["apikey", "create", "--name", "x", "--scopes", "root", "--data-dir", dir])).code).toBe(2);
  });
});
