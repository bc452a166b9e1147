#!/usr/bin/env node
// Builds cosign from its Go module at a pinned version, for the interop tests (test/interop/).
// The binary lives OUTSIDE the repository, in a per-user cache reused by every checkout and run:
//
//   $CERTUS_TRUST_TOOLS_DIR (default $XDG_CACHE_HOME/certus-trust or ~/.cache/certus-trust)
//     bin/cosign-<version>/cosign
//
// Idempotent: when the binary is there and reports the pinned version, nothing is built. The first
// build downloads cosign's module graph through GOPROXY and compiles it (minutes; the time is
// printed and recorded beside the binary in build.json).
//
//   node scripts/setup-cosign.mjs              build if needed; exit 1 if it cannot
//   node scripts/setup-cosign.mjs --optional   as above, but exit 0 (saying why) when Go is missing
//                                              or the build fails: the interop tests then skip
//   node scripts/setup-cosign.mjs --print-path print the binary's path (built or not) and exit
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** cosign's Go module and the pinned release (v3 builds with Go >= 1.25). */
export const COSIGN_MODULE = "github.com/sigstore/cosign/v3/cmd/cosign";
export const COSIGN_VERSION = "v3.1.3";

/** Cache directory for tools, outside the repository. */
export function toolsDir() {
  if (process.env.CERTUS_TRUST_TOOLS_DIR) return resolve(process.env.CERTUS_TRUST_TOOLS_DIR);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "certus-trust");
}

/** Where the pinned cosign binary lives (whether or not it is built yet). */
export function cosignPath() {
  return join(toolsDir(), "bin", `cosign-${COSIGN_VERSION}`, "cosign");
}

/** The version the binary at `bin` reports, or undefined when it cannot run. */
export function installedVersion(bin = cosignPath()) {
  if (!existsSync(bin)) return undefined;
  const r = spawnSync(bin, ["version", "--json"], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) return undefined;
  try {
    return JSON.parse(r.stdout).gitVersion;
  } catch {
    return undefined;
  }
}

function log(msg) {
  console.log(`[setup-cosign] ${msg}`);
}

function goVersion() {
  const r = spawnSync("go", ["version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Builds cosign unless present at the pinned version. Resolves with the binary's path. */
export async function ensureCosign() {
  const bin = cosignPath();
  const have = installedVersion(bin);
  if (have === COSIGN_VERSION) {
    log(`cosign ${have} already built at ${bin}`);
    return bin;
  }
  const go = goVersion();
  if (go === undefined) throw new Error("Go is not on PATH: cosign is built from its Go module (install Go >= 1.25)");
  const gobin = join(toolsDir(), "bin", `cosign-${COSIGN_VERSION}`);
  mkdirSync(gobin, { recursive: true });
  log(`building ${COSIGN_MODULE}@${COSIGN_VERSION} with ${go} into ${gobin} (had: ${have ?? "none"}); the first build takes minutes`);
  const t0 = Date.now();
  const child = spawn("go", ["install", "-trimpath", "-v", `${COSIGN_MODULE}@${COSIGN_VERSION}`], {
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: "0", GOFLAGS: "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  // `-v` names each package as it compiles: count them and report every 15 s, not line by line.
  let packages = 0;
  let lastError = "";
  child.stderr.on("data", (chunk) => {
    for (const line of chunk.toString().split("\n")) {
      if (line.trim() === "") continue;
      if (/^go: (downloading|finding)/.test(line)) continue;
      if (/^[\w.-]+(\/[\w.@+~-]+)*$/.test(line.trim())) packages += 1;
      else lastError = `${lastError}${line}\n`.slice(-4000);
    }
  });
  const timer = setInterval(() => log(`… ${Math.round((Date.now() - t0) / 1000)} s, ${packages} packages compiled`), 15_000);
  const code = await new Promise((r) => child.on("close", r));
  clearInterval(timer);
  const seconds = Math.round((Date.now() - t0) / 1000);
  if (code !== 0) throw new Error(`go install failed (exit ${code}) after ${seconds} s:\n${lastError}`);
  const built = installedVersion(bin);
  if (built !== COSIGN_VERSION) throw new Error(`built cosign reports ${built ?? "nothing"}, expected ${COSIGN_VERSION}`);
  writeFileSync(
    join(gobin, "build.json"),
    `${JSON.stringify({ version: COSIGN_VERSION, go, seconds, packages, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  log(`built cosign ${built} in ${seconds} s (${packages} packages) at ${bin}`);
  return bin;
}

/** What the last build recorded (version, Go, seconds), if any. */
export function buildRecord() {
  const file = join(toolsDir(), "bin", `cosign-${COSIGN_VERSION}`, "build.json");
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes("--print-path")) {
    console.log(cosignPath());
  } else {
    try {
      await ensureCosign();
    } catch (err) {
      log(`cosign is not available: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(args.includes("--optional") ? 0 : 1);
    }
  }
}
