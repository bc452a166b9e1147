/**
 * `npm run bench:profile`: where the server's time goes under sign and under verify load. Starts
 * the server with `node --cpu-prof` twice on the same data directory (once per RPC, so the two
 * profiles do not mix), drives it closed loop with grpcload as `npm run bench` does (verify over
 * distinct minted bundles), stops it so V8 writes the profile, and prints the top self-time
 * entries of each. The `.cpuprofile` files are kept (`--out <dir>`, default
 * `bench-profiles/`) for Chrome DevTools or speedscope.
 *
 *   node dist/bench/profile.js [--ms <load per RPC, default 15000>] [--top <n>] [--out <dir>]
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { topSelfTime } from "./cpu-profile.js";
import { PATHS, writeSignBodies, writeVerifyBodies } from "./grpc-bodies.js";
import { CLIENT_CPU, grpcload } from "./grpc-load.js";
import { mintBundles, MINT_IDENTITY } from "./mint.js";
import { startServer } from "./server.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ms = Number(arg("--ms") ?? 15_000);
const top = Number(arg("--top") ?? 25);
const outDir = resolve(arg("--out") ?? "bench-profiles");

async function main(): Promise<void> {
  const tools = (await import(pathToFileURL(join(repo, "scripts/setup-bench-tools.mjs")).href)) as { ensureBenchTools(): string };
  const bin = tools.ensureBenchTools();
  const root = mkdtempSync(join(tmpdir(), "certus-profile-"));
  mkdirSync(outDir, { recursive: true });
  try {
    const dataDir = join(root, "data");
    process.stderr.write("[profile] minting 1,200 distinct bundles\n");
    const minted = await mintBundles(dataDir, 1_200);
    const bodies = { sign: join(root, "sign.bin"), verify: join(root, "verify.bin") };
    writeSignBodies(bodies.sign, 4_096);
    writeVerifyBodies(bodies.verify, minted, MINT_IDENTITY);
    for (const rpc of ["sign", "verify"] as const) {
      const profDir = join(root, `prof-${rpc}`);
      const server = await startServer(dataDir, ["--cpu-prof", "--cpu-prof-dir", profDir]);
      process.stderr.write(`[profile] ${rpc}: ${ms / 1000} s closed loop, client on CPU ${CLIENT_CPU ?? "any"}\n`);
      const r = await grpcload(bin, { url: server.url, path: PATHS[rpc], bodies: bodies[rpc], durationMs: ms, rpc });
      await server.stop();
      // One profile per thread: the main thread (thread id 0) and each verification worker.
      const files = readdirSync(profDir)
        .filter((f) => f.endsWith(".cpuprofile"))
        .sort();
      if (files.length === 0) throw new Error(`the server wrote no profile into ${profDir}`);
      const lines = [`${rpc}: ${r.perSec}/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, errors ${r.errors}`];
      for (const file of files) {
        const thread = /\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(file)?.[1] ?? "?";
        const kept = join(outDir, `${rpc}-thread${thread}.cpuprofile`);
        renameSync(join(profDir, file), kept);
        const summary = topSelfTime(kept, repo, top);
        lines.push(
          "",
          `${thread === "0" ? "main thread" : `worker thread ${thread}`}: ${kept} (${summary.totalMs} ms sampled, idle ${summary.idlePercent} %)`,
          `${"self ms".padStart(9)}${"%".padStart(7)}  function  location`,
          ...summary.entries.map((e) => `${String(e.selfMs).padStart(9)}${e.percent.toFixed(1).padStart(7)}  ${e.name}  ${e.location}`),
        );
      }
      process.stdout.write(lines.join("\n") + "\n\n");
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
