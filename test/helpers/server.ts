/**
 * Starts real Certus-Trust servers for tests: in-process on an ephemeral port (fast, for most
 * integration tests), or as a child process running the CLI exactly as a user would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { resolveConfig, type TrustConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/logger.js";
import { startTrustServer, type TrustServer } from "../../src/server/server.js";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

/** A server started for a test, with its captured log lines and a temp data directory. */
export interface TestServer {
  server: TrustServer;
  url: string;
  port: number;
  dataDir: string;
  logs: string[];
  stop(): Promise<void>;
}

/** Starts the server in-process on 127.0.0.1 with an ephemeral port and a fresh data directory. */
export async function startTestServer(flags: Record<string, string> = {}, existingDataDir?: string): Promise<TestServer> {
  const dataDir = existingDataDir ?? mkdtempSync(join(tmpdir(), "certus-trust-test-"));
  const config: TrustConfig = resolveConfig({ port: "0", host: "127.0.0.1", "data-dir": dataDir, "log-level": "debug", ...flags }, {});
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString().split("\n").filter(Boolean));
      cb();
    },
  });
  const server = await startTrustServer(config, createLogger(config.logLevel, sink));
  return {
    server,
    url: server.url,
    port: server.port,
    dataDir,
    logs,
    async stop() {
      await server.close();
      if (existingDataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A child process running `certus-trust serve` from the built CLI. */
export interface CliServer {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Spawns `node bin/certus-trust.js serve --port 0 …` and waits for its "listening" line. One
 * process (`--workers 1`) unless `args` say otherwise: these tests signal and time that one
 * process (crash, shutdown); `test/integration/workers.test.ts` covers `--workers N`.
 */
export async function spawnCliServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliServer> {
  const workers = args.includes("--workers") ? [] : ["--workers", "1"];
  const child = spawn(process.execPath, [join(REPO_ROOT, "bin/certus-trust.js"), "serve", "--port", "0", ...workers, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 20 s:\n${out}`)), 20_000);
    const check = () => {
      const m = /"url":"([^"]+)".*"msg":"certus-trust listening"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    child.stdout.on("data", check);
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)));
  });
  return { child, url, output: () => out, exited };
}

export function tempDir(prefix = "certus-trust-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
