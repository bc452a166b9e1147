#!/usr/bin/env node
// Installs the load generators of `npm run bench` (bench/run.ts), once:
//   - h2load (Debian's nghttp2-client, scripts/setup-h2load.sh): the reference C HTTP/2 client;
//     the bench cross-checks the empty-RPC ceiling with it;
//   - grpcload (bench/grpcload/, Go, golang.org/x/net/http2), built into the tools cache:
//       $CERTUS_TRUST_TOOLS_DIR (default ~/.cache/certus-trust)/bin/grpcload-<source hash>/grpcload
//     It drives every gRPC figure, because it can send a different body per call (h2load posts
//     one body for all) and checks grpc-status in the trailers (h2load sees HTTP 200 only).
// Idempotent: the binary's directory is named after a hash of its sources, so a changed source
// builds anew and an unchanged one is reused.
//
//   node scripts/setup-bench-tools.mjs              install if needed; exit 1 if it cannot
//   node scripts/setup-bench-tools.mjs --optional   as above, but exit 0 (saying why) on failure
//   node scripts/setup-bench-tools.mjs --print-path print grpcload's path (built or not) and exit
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { toolsDir } from "./setup-cosign.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const source = resolve(here, "../bench/grpcload");

/** Where grpcload for the current sources lives (whether or not it is built yet). */
export function grpcloadPath() {
  const hash = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "main.go"]) hash.update(readFileSync(join(source, f)));
  return join(toolsDir(), "bin", `grpcload-${hash.digest("hex").slice(0, 12)}`, "grpcload");
}

/** Installs h2load and builds grpcload unless present. Throws when either cannot be had. */
export function ensureBenchTools() {
  const h2load = spawnSync("bash", [join(here, "setup-h2load.sh")], { stdio: "inherit" });
  if (h2load.status !== 0) throw new Error(`h2load could not be installed (exit ${h2load.status})`);
  const bin = grpcloadPath();
  if (existsSync(bin)) return bin;
  const started = Date.now();
  const r = spawnSync("go", ["build", "-trimpath", "-o", bin, "."], {
    cwd: source,
    stdio: "inherit",
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" },
  });
  if (r.error) throw new Error(`go is not installed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`go build of bench/grpcload failed (exit ${r.status})`);
  console.error(`[setup-bench-tools] built ${bin} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--print-path")) {
    console.log(grpcloadPath());
    process.exit(0);
  }
  try {
    ensureBenchTools();
  } catch (err) {
    console.error(`[setup-bench-tools] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(process.argv.includes("--optional") ? 0 : 1);
  }
}
