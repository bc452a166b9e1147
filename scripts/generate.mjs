#!/usr/bin/env node
// Regenerates every SDK from proto/. Third-party protos come from pinned registry packages:
// Sigstore's from the Go module github.com/sigstore/protobuf-specs (via the Go module proxy),
// google/api/field_behavior.proto from the npm package google-proto-files, gRPC health and
// reflection from the npm packages grpc-health-check and @grpc/reflection. They are copied into
// .protodeps/ (git-ignored); the generated code is committed and CI fails on a diff.
//
//   node scripts/generate.mjs              fetch protos, buf lint, generate TypeScript, Go, Python
//   node scripts/generate.mjs --lint-only  fetch protos, buf lint
//   node scripts/generate.mjs --check      fetch protos, buf lint, generate into a temporary
//                                          folder and fail if it differs from the committed code,
//                                          then `buf breaking` against the previous commit
//   node scripts/generate.mjs --breaking-selftest
//                                          show that `buf breaking` refuses a changed field number
//
// TypeScript: buf.gen.yaml (protoc-gen-es from node_modules). Go: sdk/go/buf.gen.yaml
// (protoc-gen-go and protoc-gen-connect-go, installed into .cache/bin at pinned versions by
// scripts/setup-tools.mjs). Python: the protoc bundled in a pinned grpcio-tools, in .cache/venv.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureGoPlugins, ensurePythonVenv, venvPython } from "./setup-tools.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const deps = join(root, ".protodeps");
/** Pinned: the Sigstore message definitions the contract imports. */
const PROTOBUF_SPECS = "github.com/sigstore/protobuf-specs@v0.5.2";
const SIGSTORE_FILES = ["envelope.proto", "sigstore_bundle.proto", "sigstore_common.proto", "sigstore_rekor.proto", "sigstore_trustroot.proto"];

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"], ...opts });
}

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
}

function fetchProtos() {
  rmSync(deps, { recursive: true, force: true });
  // Outside any module, so the project never needs a go.mod for this.
  const cwd = mkdtempSync(join(tmpdir(), "certus-protos-"));
  const info = JSON.parse(run("go", ["mod", "download", "-json", PROTOBUF_SPECS], { cwd }).toString());
  if (!info.Dir) throw new Error(`go mod download ${PROTOBUF_SPECS} gave no directory: ${info.Error ?? "?"}`);
  for (const f of SIGSTORE_FILES) copy(join(info.Dir, "protos", f), join(deps, "sigstore", f));
  const nm = join(root, "node_modules");
  for (const f of ["google/api/field_behavior.proto", "google/rpc/error_details.proto"]) {
    copy(join(nm, "google-proto-files", f), join(deps, "googleapis", f));
  }
  copy(join(nm, "grpc-health-check/proto/health/v1/health.proto"), join(deps, "grpc/grpc/health/v1/health.proto"));
  for (const v of ["v1", "v1alpha"]) {
    copy(join(nm, `@grpc/reflection/build/proto/grpc/reflection/${v}/reflection.proto`), join(deps, `grpc/grpc/reflection/${v}/reflection.proto`));
  }
}

const bin = (name) => join(root, "node_modules", ".bin", name);
const args = process.argv.slice(2);
fetchProtos();
const env = { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` };
if (args.includes("--breaking-selftest")) {
  breakingSelftest();
  process.exit(0);
}
run(bin("buf"), ["lint"], { stdio: "inherit", env });
/** Every file under `dir`, relative to it. */
function listFiles(dir, prefix = "") {
  let out = [];
  for (const name of readdirSync(join(dir, prefix))) {
    if (name === "__pycache__") continue; // Python's bytecode cache, never committed
    const rel = join(prefix, name);
    if (statSync(join(dir, rel)).isDirectory()) out = out.concat(listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** The generated folders, relative to the repository root. */
const GENERATED = ["sdk/typescript/src/gen", "sdk/go/gen", "sdk/python/src/certus_trust/_gen"];

// ---- Go: sdk/go/buf.gen.yaml, certus/trust/v1 only -------------------------------------------

const GO_TEMPLATE = "sdk/go/buf.gen.yaml";

/** Fails early when a contract file has no `M` mapping in the Go template (it would not build). */
function checkGoMappings() {
  const template = readFileSync(join(root, GO_TEMPLATE), "utf8");
  const missing = listFiles(join(root, "proto"))
    .filter((f) => f.endsWith(".proto"))
    .filter((f) => !template.includes(`M${f}=`) && f.startsWith("certus/"));
  if (missing.length > 0) {
    throw new Error(`${GO_TEMPLATE} lacks a Go package mapping (M option, for both plugins) for: ${missing.join(", ")}`);
  }
}

function generateGo(outRoot) {
  checkGoMappings();
  run(bin("buf"), ["generate", "--template", GO_TEMPLATE, ...(outRoot ? ["-o", outRoot] : [])], { stdio: "inherit", env });
}

// ---- Python: grpc_tools.protoc into sdk/python/src/certus_trust/_gen ---------------------------

const PY_GEN = "sdk/python/src/certus_trust/_gen";
const PY_PACKAGE = "certus_trust._gen";
/**
 * Include roots, and the files generated from each: the contract and the Sigstore messages.
 * google/api and google/rpc are not generated: their Python modules come from the
 * googleapis-common-protos package, as every other Python library gets them; a second copy of
 * `google/api/field_behavior.proto` in the default descriptor pool would clash with it.
 */
const PY_SOURCES = [
  { dir: "proto", files: () => listFiles(join(root, "proto")).filter((f) => f.endsWith(".proto")) },
  { dir: ".protodeps/sigstore", files: () => SIGSTORE_FILES },
  { dir: ".protodeps/googleapis", files: () => [] },
];

/**
 * protoc writes imports as the proto paths spell them (`import sigstore_common_pb2`,
 * `from certus.trust.v1 import common_pb2`), which only resolve with the output folder on
 * sys.path. Rewrite each import of a module generated here to live under `certus_trust._gen`;
 * the well-known types (`google.protobuf`) stay with the protobuf runtime and `google.api` with
 * googleapis-common-protos.
 */
function rewritePythonImports(text, modules) {
  return text
    .replace(/^import (\w+_pb2) as (\w+)$/gm, (line, mod, alias) => (modules.has(mod) ? `from ${PY_PACKAGE} import ${mod} as ${alias}` : line))
    .replace(/^from ([\w.]+) import (\w+_pb2(?:_grpc)?) as (\w+)$/gm, (line, pkg, mod, alias) =>
      modules.has(`${pkg}.${mod}`) ? `from ${PY_PACKAGE}.${pkg} import ${mod} as ${alias}` : line,
    );
}

function generatePython(outRoot) {
  const out = join(outRoot ?? root, PY_GEN);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const includes = PY_SOURCES.map((s) => `-I${join(root, s.dir)}`);
  const files = PY_SOURCES.flatMap((s) => s.files());
  const protoc = (outArgs, inputs) => run(venvPython, ["-m", "grpc_tools.protoc", ...includes, ...outArgs, ...inputs], { stdio: "inherit" });
  protoc([`--python_out=${out}`, `--pyi_out=${out}`], files);
  // Service stubs only for the file with the service (protoc would emit an empty one per file).
  protoc([`--grpc_python_out=${out}`], ["certus/trust/v1/trust_service.proto"]);

  const generated = listFiles(out);
  const modules = new Set(generated.filter((f) => f.endsWith(".py")).map((f) => f.slice(0, -3).replaceAll("/", ".")));
  for (const f of generated) {
    const p = join(out, f);
    writeFileSync(p, rewritePythonImports(readFileSync(p, "utf8"), modules));
  }
  // Every folder a regular package, so setuptools finds it and imports never fall back to
  // namespace packages (a stray top-level `certus` or `google` must not shadow these).
  const dirs = new Set([""]);
  for (const f of generated) for (let d = dirname(f); d !== "."; d = dirname(d)) dirs.add(d);
  for (const d of dirs) {
    writeFileSync(join(out, d, "__init__.py"), d === "" ? "# Generated by scripts/generate.mjs from proto/. DO NOT EDIT.\n" : "");
  }
}

// ---- buf breaking -------------------------------------------------------------------------------

function git(argv) {
  const r = spawnSync("git", argv, { cwd: root, encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** A workspace like the repository's (buf.yaml, .protodeps) with `proto/` taken from `protoDir`. */
function workspaceWith(protoDir) {
  const ws = mkdtempSync(join(tmpdir(), "certus-breaking-"));
  cpSync(join(root, "buf.yaml"), join(ws, "buf.yaml"));
  cpSync(deps, join(ws, ".protodeps"), { recursive: true });
  cpSync(protoDir, join(ws, "proto"), { recursive: true });
  return ws;
}

/** Runs `buf breaking` on `input` against `against`; returns the exit status and output. */
function bufBreaking(input, against) {
  const r = spawnSync(bin("buf"), ["breaking", input, "--against", against], { cwd: root, env, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/**
 * The commit to compare the contract with: $CERTUS_BREAKING_AGAINST when set, else the merge-base
 * with origin/main when this branch has diverged from it, else the previous commit.
 */
function breakingBase() {
  if (process.env.CERTUS_BREAKING_AGAINST) return { ref: process.env.CERTUS_BREAKING_AGAINST, why: "$CERTUS_BREAKING_AGAINST" };
  const head = git(["rev-parse", "HEAD"]);
  if (head === undefined) return { skip: "not a git checkout" };
  const upstream = git(["rev-parse", "--verify", "-q", "origin/main"]);
  const mergeBase = upstream && git(["merge-base", "HEAD", upstream]);
  if (mergeBase && mergeBase !== head) return { ref: mergeBase, why: "merge-base with origin/main" };
  const parent = git(["rev-parse", "--verify", "-q", "HEAD~1"]);
  if (parent === undefined) return { skip: "HEAD has no parent commit (shallow clone or first commit)" };
  return { ref: parent, why: "the previous commit" };
}

function checkBreaking() {
  const base = breakingBase();
  if (base.skip) {
    console.log(`buf breaking: skipped (${base.skip})`);
    return;
  }
  if (!git(["ls-tree", "-d", base.ref, "proto"])) {
    console.log(`buf breaking: skipped (${base.ref.slice(0, 12)}, ${base.why}, has no proto/)`);
    return;
  }
  const old = mkdtempSync(join(tmpdir(), "certus-proto-old-"));
  const tar = spawnSync("git", ["archive", "--format=tar", base.ref, "proto"], { cwd: root, maxBuffer: 64 << 20 });
  if (tar.status !== 0) throw new Error(`git archive ${base.ref} proto failed: ${tar.stderr}`);
  execFileSync("tar", ["-x", "-C", old], { input: tar.stdout });
  const against = workspaceWith(join(old, "proto"));
  const r = bufBreaking(".", against);
  rmSync(old, { recursive: true, force: true });
  rmSync(against, { recursive: true, force: true });
  if (r.status !== 0) {
    console.error(`buf breaking: proto/ breaks compatibility with ${base.ref.slice(0, 12)} (${base.why}):\n${r.output}`);
    process.exit(1);
  }
  console.log(`buf breaking: no breaking change against ${base.ref.slice(0, 12)} (${base.why})`);
}

/** Changes a field number in a copy of proto/ and asserts that `buf breaking` refuses it. */
function breakingSelftest() {
  const base = workspaceWith(join(root, "proto"));
  const changed = workspaceWith(join(root, "proto"));
  const file = join(changed, "proto/certus/trust/v1/common.proto");
  const before = readFileSync(file, "utf8");
  const after = before.replace("string digest = 2;", "string digest = 12;");
  if (after === before) throw new Error("selftest: `string digest = 2;` not found in common.proto; update the selftest");
  writeFileSync(file, after);
  const same = bufBreaking(base, base);
  const moved = bufBreaking(changed, base);
  rmSync(base, { recursive: true, force: true });
  rmSync(changed, { recursive: true, force: true });
  if (same.status !== 0) {
    console.error(`breaking selftest: buf breaking failed on an unchanged contract:\n${same.output}`);
    process.exit(1);
  }
  if (moved.status === 0) {
    console.error("breaking selftest: buf breaking accepted Artifact.digest moving from field 2 to 12");
    process.exit(1);
  }
  console.log(`breaking selftest: buf breaking refused Artifact.digest moving from field 2 to 12, as it must:\n  ${moved.output.split("\n").join("\n  ")}`);
}

// ---- main ---------------------------------------------------------------------------------------

if (args.includes("--check")) {
  ensureGoPlugins();
  ensurePythonVenv();
  const tmp = mkdtempSync(join(tmpdir(), "certus-gen-"));
  run(bin("buf"), ["generate", "-o", tmp], { stdio: "inherit", env });
  generateGo(tmp);
  generatePython(tmp);
  const diffs = [];
  for (const g of GENERATED) {
    const fresh = listFiles(join(tmp, g));
    const committed = listFiles(join(root, g));
    for (const f of new Set([...fresh, ...committed])) {
      const a = fresh.includes(f) ? readFileSync(join(tmp, g, f)) : undefined;
      const b = committed.includes(f) ? readFileSync(join(root, g, f)) : undefined;
      if (a === undefined || b === undefined || !a.equals(b)) diffs.push(join(g, f));
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  if (diffs.length > 0) {
    console.error(`generated code is out of date; run \`npm run generate\` and commit:\n  ${diffs.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`generated code is up to date (${GENERATED.join(", ")}); buf lint is clean`);
  checkBreaking();
} else if (!args.includes("--lint-only")) {
  ensureGoPlugins();
  ensurePythonVenv();
  run(bin("buf"), ["generate"], { stdio: "inherit", env });
  generateGo();
  generatePython();
  console.log(`generated: ${GENERATED.join(", ")}`);
}
