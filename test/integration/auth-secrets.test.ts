/**
 * Secrets never reach a log: a full scenario (an API key made with the CLI, Sign with it, Verify
 * with an OIDC token, refused attempts with mangled credentials, an MCP call) and then every
 * captured log line, every log and audit file in the data directory and the CLI's `apikey list`
 * output are searched for the API key, its secret part, the bearer token and any private key.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOidcProvider, type TestOidcProvider } from "../helpers/oidc-provider.js";
import { REPO_ROOT, startTestServer, tempDir, type TestServer } from "../helpers/server.js";

const run = promisify(execFile);
const cli = (args: string[]) => run(process.execPath, [join(REPO_ROOT, "bin/certus-trust.js"), ...args]);
const DIGEST = `sha256:${"5a".repeat(32)}`;

let idp: TestOidcProvider;
let srv: TestServer;
let dataDir: string;

beforeAll(async () => {
  idp = await startOidcProvider({ clients: [{ clientId: "certus-trust", clientSecret: "s3cret-client" }] });
  dataDir = tempDir();
  const rules = join(dataDir, "..", `rules-${Date.now()}.yaml`);
  writeFileSync(rules, "oidc:\n  - claims: { email: auditor@example.com }\n    scopes: [verify, read]\n");
  srv = await startTestServer({ auth: "api-key,oidc", "auth-oidc-issuers": idp.issuer, "auth-rules": rules }, dataDir);
});
afterAll(async () => {
  await srv?.stop();
  await idp?.stop();
});

describe("no secret in any log", () => {
  it("API key, bearer token and private keys never appear in logs or the audit trail", async () => {
    const created = await cli(["apikey", "create", "--name", "ci", "--scopes", "sign,verify,read", "--data-dir", dataDir]);
    const apiKey = created.stdout.trim();
    expect(apiKey).toMatch(/^ctk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    // ctk_<id>_<secret>: the secret is base64url and may itself contain "_".
    const secret = apiKey.split("_").slice(2).join("_");
    expect(secret.length).toBeGreaterThan(20);
    const token = await idp.mintIdToken({ email: "auditor@example.com", clientId: "certus-trust" });

    const post = (path: string, body: unknown, auth: string) =>
      fetch(`${srv.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${auth}` },
        body: JSON.stringify(body),
      });
    await new Promise((r) => setTimeout(r, 600)); // the server notices the new key file
    const signed = await post("/v1/sign", { artifact: { digest: DIGEST } }, apiKey);
    expect(signed.status).toBe(200);
    const { bundle } = (await signed.json()) as { bundle: unknown };
    const verified = await post(
      "/v1/verify",
      { artifact: { digest: DIGEST }, bundle, expectedSigner: { subject: "certus-trust@certus.cloud", issuer: srv.url } },
      token,
    );
    expect(verified.status).toBe(200);
    expect(((await verified.json()) as { verified: boolean }).verified).toBe(true);
    // Refused attempts: a token may not sign; mangled credentials.
    expect((await post("/v1/sign", { artifact: { digest: DIGEST } }, token)).status).toBe(403);
    expect((await post("/v1/sign", { artifact: { digest: DIGEST } }, apiKey.slice(0, -2) + "xx")).status).toBe(401);
    expect((await post("/v1/sign", { artifact: { digest: DIGEST } }, token.slice(0, -4) + "AAAA")).status).toBe(401);
    const mcp = await fetch(`${srv.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": apiKey },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    expect(mcp.status).toBe(200);
    const listed = await cli(["apikey", "list", "--data-dir", dataDir, "--output", "json"]);
    await new Promise((r) => setTimeout(r, 100));

    const haystacks: Array<[string, string]> = [
      ["captured log lines", srv.logs.join("\n")],
      ["apikey create stderr", created.stderr],
      ["apikey list", listed.stdout + listed.stderr],
    ];
    for (const f of readdirSync(dataDir, { recursive: true }) as string[]) {
      if (/\.log$|audit|\.head$|apikeys\.json$/.test(f)) haystacks.push([f, readFileSync(join(dataDir, f), "utf8")]);
    }
    expect(haystacks.length).toBeGreaterThan(4);
    expect(srv.logs.length).toBeGreaterThan(5);
    for (const [where, text] of haystacks) {
      expect(text, where).not.toContain(apiKey);
      expect(text, where).not.toContain(secret);
      expect(text, where).not.toContain(token);
      expect(text, where).not.toContain(token.split(".")[2]!);
      expect(text, where).not.toMatch(/PRIVATE KEY/);
    }
  });
});
