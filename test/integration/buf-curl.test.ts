/**
 * The README's `buf curl` examples, run exactly as written (the port substituted, `npx buf` as
 * node_modules/.bin/buf) against a live server, in order and in one directory: each must succeed,
 * and between them they must call every TrustService RPC over both gRPC and Connect — so the docs
 * cannot drift from the service.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrustService } from "@certus/trust-sdk";
import { REPO_ROOT, startTestServer, type TestServer } from "../helpers/server.js";

/** The README section whose `sh` blocks are run. */
const SECTION = "### Every RPC with `buf curl`";
/** The longest a README command may take, in milliseconds. */
const COMMAND_TIMEOUT_MS = 30_000;
/** The address the README uses, replaced by the test server's. */
const README_URL = "http://127.0.0.1:8888";
/**
 * RPCs whose README examples are still to be written: the Certus workflow RPCs (issue 6 others'
 * part) land with their own examples. Remove a name here when its example is in the README.
 */
const AWAITING_EXAMPLES = new Set(["VerifyAndPermitUpload", "VerifyChain", "LegacySign", "GetStats", "GetProvenance", "GetReadiness"]);

interface Command {
  text: string;
  protocol: "grpc" | "connect" | undefined;
  method: string | undefined;
}

/** The commands of the section's `sh` blocks; a command continues over `\` and open quotes. */
export function readmeCommands(readme: string): Command[] {
  const start = readme.indexOf(SECTION);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = readme.indexOf("\n## ", start);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const commands: Command[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let current = "";
    for (const line of block[1]!.split("\n")) {
      if (current === "" && (line.trim() === "" || line.trim().startsWith("#"))) continue;
      current += (current === "" ? "" : "\n") + line;
      const openQuote = (current.match(/'/g)?.length ?? 0) % 2 === 1;
      if (line.endsWith("\\") || openQuote) continue;
      const protocol = /--protocol (grpc|connect)\b/.exec(current)?.[1] as Command["protocol"];
      const method = /\/certus\.trust\.v1\.TrustService\/(\w+)/.exec(current)?.[1];
      commands.push({ text: current, protocol, method });
      current = "";
    }
    if (current !== "") throw new Error(`unterminated command in README: ${current}`);
  }
  return commands;
}

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
    const script = command.text.replaceAll(README_URL, srv.url).replaceAll("npx buf ", `${join(REPO_ROOT, "node_modules/.bin/buf")} `);
    const run = await runShell(script);
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

/** Runs a shell command without blocking the event loop (the server answers in this process). */
function runShell(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-eo", "pipefail", "-c", script], {
      cwd: dir,
      env: { ...process.env, PATH: `${join(REPO_ROOT, "node_modules/.bin")}:${process.env.PATH}`, BUF_CACHE_DIR: join(dir, ".buf-cache") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), COMMAND_TIMEOUT_MS);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
