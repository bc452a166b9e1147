#!/usr/bin/env node
// Builds the OCI tools the image tests (test/interop/oci.test.ts) drive, from their Go modules at
// pinned versions, into the per-user tool cache (see setup-cosign.mjs for its location):
//
//   bin/registry-<version>/registry   the CNCF distribution registry (OCI 1.1 referrers API)
//   bin/crane-<version>/crane         go-containerregistry's client, to push a test image
//
// Idempotent: a binary already built at the pinned version is kept (a stamp file beside it records
// the version, the Go toolchain and the build time).
//
//   node scripts/setup-registry.mjs              build what is missing; exit 1 if it cannot
//   node scripts/setup-registry.mjs --optional   exit 0 (saying why) when it cannot, except under
//                                                CI=true, where a missing tool fails the run
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { toolsDir } from "./setup-cosign.mjs";

/** The pinned tools: Go package to install, version, binary name. */
export const OCI_TOOLS = {
  registry: { module: "github.com/distribution/distribution/v3/cmd/registry", version: "v3.1.2", bin: "registry" },
  crane: { module: "github.com/google/go-containerregistry/cmd/crane", version: "v0.22.1", bin: "crane" },
};

/** Where a pinned tool's binary lives (built or not). */
export function ociToolPath(name) {
  const t = OCI_TOOLS[name];
  return join(toolsDir(), "bin", `${t.bin}-${t.version}`, t.bin);
}

/** True when the tool is built at its pinned version (the stamp matches and the binary exists). */
export function ociToolReady(name) {
  const t = OCI_TOOLS[name];
  const bin = ociToolPath(name);
  if (!existsSync(bin)) return false;
  try {
    return JSON.parse(readFileSync(join(bin, "..", "build.json"), "utf8")).version === t.version;
  } catch {
    return false;
  }
}

function log(msg) {
  console.log(`[setup-registry] ${msg}`);
}

async function build(name) {
  const t = OCI_TOOLS[name];
  if (ociToolReady(name)) {
    log(`${name} ${t.version} already built at ${ociToolPath(name)}`);
    return;
  }
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.status !== 0) throw new Error(`Go is not on PATH: ${name} is built from its Go module`);
  const gobin = join(toolsDir(), "bin", `${t.bin}-${t.version}`);
  mkdirSync(gobin, { recursive: true });
  log(`building ${t.module}@${t.version} into ${gobin}`);
  const t0 = Date.now();
  const child = spawn("go", ["install", "-trimpath", `${t.module}@${t.version}`], {
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: "0", GOFLAGS: "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errors = "";
  child.stderr.on("data", (d) => (errors = `${errors}${d}`.slice(-4000)));
  const code = await new Promise((r) => child.on("close", r));
  const seconds = Math.round((Date.now() - t0) / 1000);
  if (code !== 0) throw new Error(`go install ${t.module}@${t.version} failed (exit ${code}) after ${seconds} s:\n${errors}`);
  writeFileSync(
    join(gobin, "build.json"),
    `${JSON.stringify({ version: t.version, module: t.module, go: go.stdout.trim(), seconds, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  log(`built ${name} ${t.version} in ${seconds} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const optional = process.argv.includes("--optional") && process.env.CI !== "true";
  try {
    for (const name of Object.keys(OCI_TOOLS)) await build(name);
  } catch (err) {
    log(`not available: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(optional ? 0 : 1);
  }
}
