#!/usr/bin/env node
// Installs the code generators and the Python environment the SDKs need, into the project's
// git-ignored .cache/ folder (never globally), at pinned versions. Idempotent: a tool already at
// its pinned version is left alone, so repeated runs cost one `--version` call each.
//
//   node scripts/setup-tools.mjs            Go plugins + the Python venv with grpcio-tools
//   node scripts/setup-tools.mjs --go       only the Go plugins
//   node scripts/setup-tools.mjs --python   only the Python venv
//   node scripts/setup-tools.mjs --sigstore-python
//                                           only sigstore-python (the interop tests' Python client)
//
// Go plugins land in .cache/bin (`go install <module>@<version>` with GOBIN there); Python lands
// in .cache/venv (created with the first `python3` on PATH, at least 3.10).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const cacheBin = join(root, ".cache", "bin");
export const venv = join(root, ".cache", "venv");
export const venvPython = join(venv, "bin", "python");

/**
 * Pinned Go code generators. protoc-gen-connect-go must match the connectrpc.com/connect version
 * in sdk/go/go.mod, and protoc-gen-go the google.golang.org/protobuf version there.
 */
export const GO_PLUGINS = [
  { name: "protoc-gen-go", module: "google.golang.org/protobuf/cmd/protoc-gen-go", version: "v1.36.11" },
  { name: "protoc-gen-connect-go", module: "connectrpc.com/connect/cmd/protoc-gen-connect-go", version: "v1.19.1" },
];

/**
 * Pinned Python code generator: grpcio-tools bundles protoc (libprotoc 35.1 for 1.85.1) and the
 * well-known types. sdk/python/pyproject.toml requires protobuf >= 7.35.1 (< 8) and
 * grpcio >= 1.85.1 (< 2) to match what this version generates.
 */
export const GRPCIO_TOOLS = "grpcio-tools==1.85.1";

/**
 * Pinned sigstore-python, the interop tests' third stock client (test/interop/sigstore-python).
 * It has a venv of its own, .cache/sigstore-venv, so its dependency pins (cryptography,
 * protobuf-specs, …) never meet the SDK's protobuf/grpcio pins.
 */
export const SIGSTORE_PYTHON = "sigstore==4.5.1";
export const sigstoreVenv = join(root, ".cache", "sigstore-venv");
/** The `sigstore` command of the pinned sigstore-python. */
export const sigstoreCli = join(sigstoreVenv, "bin", "sigstore");

function log(msg) {
  console.log(`[setup] ${msg}`);
}

function versionOf(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Installs each Go plugin into .cache/bin unless it is already there at its pinned version. */
export function ensureGoPlugins() {
  mkdirSync(cacheBin, { recursive: true });
  for (const p of GO_PLUGINS) {
    const bin = join(cacheBin, p.name);
    const have = existsSync(bin) ? versionOf(bin) : undefined;
    // protoc-gen-go prints "protoc-gen-go v1.36.11", protoc-gen-connect-go prints "1.19.1".
    if (have !== undefined && have.replace(/^.*\s/, "").replace(/^v/, "") === p.version.replace(/^v/, "")) continue;
    log(`go install ${p.module}@${p.version} (had: ${have ?? "none"})`);
    const t0 = Date.now();
    execFileSync("go", ["install", `${p.module}@${p.version}`], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, GOBIN: cacheBin, GOFLAGS: `${process.env.GOFLAGS ?? ""} -mod=mod`.trim() },
    });
    log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}

function pickPython() {
  for (const cand of [process.env.PYTHON, "python3", "python"].filter(Boolean)) {
    const r = spawnSync(cand, ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
    if (r.status !== 0) continue;
    const [maj, min] = r.stdout.trim().split(".").map(Number);
    if (maj === 3 && min >= 10) return cand;
  }
  throw new Error("Python 3.10 or newer is needed (set PYTHON=/path/to/python3)");
}

/** Runs pip in the venv, printing a line and the time it took. */
export function pip(args, what) {
  log(`pip install ${what}`);
  const t0 = Date.now();
  execFileSync(venvPython, ["-m", "pip", "install", "--disable-pip-version-check", "-q", ...args], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

/** Creates .cache/venv if needed and installs the pinned grpcio-tools into it. */
export function ensurePythonVenv() {
  if (!existsSync(venvPython)) {
    const py = pickPython();
    log(`creating ${venv} with ${py}`);
    execFileSync(py, ["-m", "venv", venv], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  }
  const stamp = join(venv, ".certus-grpcio-tools");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== GRPCIO_TOOLS) {
    pip([GRPCIO_TOOLS], GRPCIO_TOOLS);
    writeFileSync(stamp, GRPCIO_TOOLS);
  }
}

/** Creates .cache/sigstore-venv if needed and installs the pinned sigstore-python into it. */
export function ensureSigstorePython() {
  const python = join(sigstoreVenv, "bin", "python");
  if (!existsSync(python)) {
    const py = pickPython();
    log(`creating ${sigstoreVenv} with ${py}`);
    execFileSync(py, ["-m", "venv", sigstoreVenv], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  }
  const stamp = join(sigstoreVenv, ".certus-sigstore-python");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== SIGSTORE_PYTHON) {
    log(`pip install ${SIGSTORE_PYTHON} (into ${sigstoreVenv})`);
    const t0 = Date.now();
    execFileSync(python, ["-m", "pip", "install", "--disable-pip-version-check", "-q", SIGSTORE_PYTHON], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
    });
    log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    writeFileSync(stamp, SIGSTORE_PYTHON);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--sigstore-python")) {
    ensureSigstorePython();
  } else {
    const onlyGo = process.argv.includes("--go");
    const onlyPy = process.argv.includes("--python");
    if (!onlyPy) ensureGoPlugins();
    if (!onlyGo) ensurePythonVenv();
  }
}
