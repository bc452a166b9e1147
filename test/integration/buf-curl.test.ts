/**
 * The README's `buf curl` examples, run exactly as written (the port substituted, `npx buf` as
 * node_modules/.bin/buf) against a live server, in order and in one directory: each must succeed,
 * and between them they must call every TrustService RPC over both gRPC and Connect — so the docs
 * cannot drift from the service.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrustService } from "@certus/trust-sdk";
import { AWAITING_EXAMPLES, forServer, readmeCommands, runShell } from "../helpers/readme-commands.js";
import { REPO_ROOT, startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let dir: string;
const commands = readmeCommands(readFileSync(join(REPO_ROOT, "README.md"), "utf8"));

beforeAll(async () => {
  srv = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), "certus-buf-curl-"));
});
afterAll(async () => {
  await srv?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("README buf curl examples", () => {
  it("call every TrustService RPC over gRPC and over Connect", () => {
    for (const protocol of ["grpc", "connect"] as const) {
      const called = new Set(commands.filter((c) => c.protocol === protocol && c.text.includes("buf curl")).map((c) => c.method));
      const missing = TrustService.methods.map((m) => m.name).filter((name) => !called.has(name) && !AWAITING_EXAMPLES.has(name));
      expect(missing, `README has no ${protocol} example for`).toEqual([]);
    }
  });

  it.each(commands.map((c, i) => [i + 1, c.text.split("\n")[0]!, c] as const))("command %i succeeds: %s", async (_n, _first, command) => {
    const run = await runShell(forServer(command, srv.url), dir);
    const output = `${run.stdout}\n${run.stderr}`;
    if (command.method === "WatchCheckpoints") {
      // The stream only ends when the client stops it: the README's --timeout, reported as such.
      expect(run.stdout, output).toContain('"checkpoint"');
      expect(run.stdout, output).toContain('"treeSize"');
      if (run.status !== 0) expect(run.stderr, output).toContain("deadline_exceeded");
      return;
    }
    expect(run.status, output).toBe(0);
    if (command.method === "Verify") expect(JSON.parse(run.stdout), output).toMatchObject({ verified: true });
    if (command.method === "Sign") expect(JSON.parse(readFileSync(join(dir, "signed.json"), "utf8")), output).toHaveProperty("bundle.mediaType");
  });
});
