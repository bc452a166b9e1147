#!/usr/bin/env node
// Builds the real Sigstore servers the `real-sigstore` interop tests start (test/helpers/
// sigstore-stack.ts) — timestamp-authority, Fulcio, rekor-tiles and TesseraCT (Fulcio's CT log),
// and Rekor v1 with Trillian (test/helpers/rekor-v1-stack.ts; rows marked `rekorV1`) —
// each from its Go module at a pinned version, into the per-user tool cache
// beside cosign (scripts/setup-cosign.mjs):
//
//   $CERTUS_TRUST_TOOLS_DIR (default ~/.cache/certus-trust)/bin/<name>-<version>/<binary>
//
// The versions are those that build with Go 1.26 (this machine's); docker-compose.yml and the
// Helm chart pin the same ones. Idempotent: a binary whose build.json records the pinned module
// and version is not rebuilt. The first build of each takes a minute or two (times are printed
// and recorded in build.json).
//
//   node scripts/setup-sigstore-servers.mjs              build what is missing; exit 1 if one fails
//   node scripts/setup-sigstore-servers.mjs --optional   exit 0 when Go is missing or a build fails
//                                                        (the tests then fail under CI=true and
//                                                        skip, saying why, otherwise)
//   node scripts/setup-sigstore-servers.mjs --print-paths   JSON {name: path} and exit
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { toolsDir } from "./setup-cosign.mjs";

/** The servers, their Go modules and pinned versions. */
export const SIGSTORE_SERVERS = Object.freeze({
  "timestamp-server": { module: "github.com/sigstore/timestamp-authority/v2/cmd/timestamp-server", version: "v2.1.3", binary: "timestamp-server" },
  fulcio: { module: "github.com/sigstore/fulcio", version: "v1.8.8", binary: "fulcio" },
  "rekor-tiles": { module: "github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix", version: "v2.3.0", binary: "posix" },
  // Fulcio's certificate-transparency log (RFC 6962 add-pre-chain, static-ct-api storage on disk),
  // so certificates carry SCTs and verifiers keep their default SCT requirement.
  tesseract: { module: "github.com/transparency-dev/tesseract/cmd/tesseract/posix", version: "v0.1.1", binary: "posix" },
  // Rekor v1 (the classic rekor-server) on Trillian, for the Rekor v1 adapter's interop test
  // (test/helpers/rekor-v1-stack.ts). Trillian keeps its tree in MariaDB (scripts/setup-mariadb.sh).
  "trillian-log-server": { module: "github.com/google/trillian/cmd/trillian_log_server", version: "v1.8.0", binary: "trillian_log_server", rekorV1: true },
  "trillian-log-signer": { module: "github.com/google/trillian/cmd/trillian_log_signer", version: "v1.8.0", binary: "trillian_log_signer", rekorV1: true },
  "trillian-createtree": { module: "github.com/google/trillian/cmd/createtree", version: "v1.8.0", binary: "createtree", rekorV1: true },
  "rekor-server": { module: "github.com/sigstore/rekor/cmd/rekor-server", version: "v1.5.4", binary: "rekor-server", rekorV1: true },
});

/** Where a server's binary lives (built or not). */
export function serverPath(name) {
  const s = SIGSTORE_SERVERS[name];
  return join(toolsDir(), "bin", `${name}-${s.version}`, s.binary);
}

/** What the last build of `name` recorded, if it built the pinned module and version. */
export function serverBuild(name) {
  const s = SIGSTORE_SERVERS[name];
  try {
    const rec = JSON.parse(readFileSync(join(toolsDir(), "bin", `${name}-${s.version}`, "build.json"), "utf8"));
    return rec.module === s.module && rec.version === s.version && existsSync(serverPath(name)) ? rec : undefined;
  } catch {
    return undefined;
  }
}

function log(msg) {
  console.log(`[setup-sigstore-servers] ${msg}`);
}

async function build(name, go) {
  const s = SIGSTORE_SERVERS[name];
  const gobin = join(toolsDir(), "bin", `${name}-${s.version}`);
  mkdirSync(gobin, { recursive: true });
  log(`building ${s.module}@${s.version} with ${go} into ${gobin}`);
  const t0 = Date.now();
  const child = spawn("go", ["install", "-trimpath", `${s.module}@${s.version}`], {
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: "0", GOFLAGS: "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errors = "";
  child.stderr.on("data", (chunk) => {
    for (const line of chunk.toString().split("\n"))
      if (line.trim() !== "" && !/^go: (downloading|finding)/.test(line)) errors = `${errors}${line}\n`.slice(-4000);
  });
  const timer = setInterval(() => log(`… ${name}: ${Math.round((Date.now() - t0) / 1000)} s`), 20_000);
  const code = await new Promise((r) => child.on("close", r));
  clearInterval(timer);
  const seconds = Math.round((Date.now() - t0) / 1000);
  if (code !== 0 || !existsSync(serverPath(name))) throw new Error(`go install ${s.module}@${s.version} failed (exit ${code}) after ${seconds} s:\n${errors}`);
  writeFileSync(
    join(gobin, "build.json"),
    `${JSON.stringify({ module: s.module, version: s.version, go, seconds, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  log(`built ${name} ${s.version} in ${seconds} s at ${serverPath(name)}`);
}

/** Builds every server that is missing; throws naming the ones that failed. */
export async function ensureSigstoreServers() {
  const missing = Object.keys(SIGSTORE_SERVERS).filter((n) => serverBuild(n) === undefined);
  for (const n of Object.keys(SIGSTORE_SERVERS)) if (!missing.includes(n)) log(`${n} ${SIGSTORE_SERVERS[n].version} already built at ${serverPath(n)}`);
  if (missing.length === 0) return;
  const r = spawnSync("go", ["version"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`Go is not on PATH: ${missing.join(", ")} are built from their Go modules (Go >= 1.26)`);
  const go = r.stdout.trim();
  const failed = [];
  // One at a time: the machine is small and each build uses every core.
  for (const n of missing) {
    try {
      await build(n, go);
    } catch (err) {
      failed.push(n);
      log(err instanceof Error ? err.message : String(err));
    }
  }
  if (failed.length > 0) throw new Error(`could not build ${failed.join(", ")}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes("--print-paths")) {
    console.log(JSON.stringify(Object.fromEntries(Object.keys(SIGSTORE_SERVERS).map((n) => [n, serverPath(n)]))));
  } else {
    try {
      await ensureSigstoreServers();
    } catch (err) {
      log(`not available: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(args.includes("--optional") ? 0 : 1);
    }
  }
}
