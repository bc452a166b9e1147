/**
 * A real OCI registry for tests: the CNCF distribution registry (built from its Go module by
 * scripts/setup-registry.mjs) on a loopback port with a temporary storage directory, and crane
 * (go-containerregistry) to push images to it. When the binaries are missing, `ociToolsProblem`
 * says why; under CI=true the tests fail instead of skipping.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
// @ts-expect-error -- a plain .mjs script without declarations
import { OCI_TOOLS, ociToolPath, ociToolReady } from "../../scripts/setup-registry.mjs";
import { tempDir } from "./server.js";

export const REGISTRY_BIN: string = ociToolPath("registry");
export const CRANE_BIN: string = ociToolPath("crane");

/** Why the OCI tests cannot run here, or undefined when they can. */
export function ociToolsProblem(): string | undefined {
  const missing = Object.keys(OCI_TOOLS).filter((n) => !ociToolReady(n));
  return missing.length === 0 ? undefined : `${missing.join(" and ")} not built in the tool cache; run \`node scripts/setup-registry.mjs\` (needs Go)`;
}

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts the registry on a free loopback port; resolves when GET /v2/ answers 200. */
export async function startRegistry(): Promise<TestRegistry> {
  const dir = tempDir("certus-trust-registry-");
  const storage = join(dir, "storage");
  mkdirSync(storage);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    ["version: 0.1", "log:", "  level: warn", "storage:", "  filesystem:", `    rootdirectory: ${storage}`, "http:", `  addr: ${host}`, ""].join("\n"),
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ["serve", config], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { PATH: process.env["PATH"] ?? "", OTEL_TRACES_EXPORTER: "none" },
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = `${stderr}${d.toString()}`.slice(-4000)));
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`registry exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`registry did not answer on ${host} within 20 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs crane; throws with its output when it fails. */
export function crane(args: string[]): string {
  const r = spawnSync(CRANE_BIN, args, { encoding: "utf8", timeout: 60_000, env: { PATH: process.env["PATH"] ?? "", HOME: tempDir("certus-trust-crane-") } });
  if (r.status !== 0) throw new Error(`crane ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Pushes a one-layer image holding `content` as /hello.txt to `<host>/<repo>:<tag>` and returns
 * its manifest digest.
 */
export function pushImage(host: string, repo: string, tag: string, content: string): string {
  const dir = tempDir("certus-trust-image-");
  writeFileSync(join(dir, "hello.txt"), content);
  const tar = join(dir, "layer.tar");
  const t = spawnSync("tar", ["-cf", tar, "-C", dir, "hello.txt"]);
  if (t.status !== 0) throw new Error(`tar: ${t.stderr.toString()}`);
  const ref = `${host}/${repo}:${tag}`;
  crane(["append", "--new_tag", ref, "-f", tar, "--oci-empty-base"]);
  return crane(["digest", ref]);
}
