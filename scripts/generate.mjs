#!/usr/bin/env node
// Regenerates every SDK from proto/. Third-party protos come from pinned registry packages:
// Sigstore's from the Go module github.com/sigstore/protobuf-specs (via the Go module proxy),
// google/api/field_behavior.proto from the npm package google-proto-files, gRPC health and
// reflection from the npm packages grpc-health-check and @grpc/reflection. They are copied into
// .protodeps/ (git-ignored); the generated code is committed and CI fails on a diff.
//
//   node scripts/generate.mjs              fetch protos, buf lint, buf generate
//   node scripts/generate.mjs --lint-only  fetch protos, buf lint
//   node scripts/generate.mjs --check      fetch protos, buf lint, generate into a temporary
//                                          folder and fail if it differs from the committed code
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const deps = join(root, ".protodeps");
/** Pinned: the Sigstore message definitions the contract imports. */
const PROTOBUF_SPECS = "github.com/sigstore/protobuf-specs@v0.5.2";
const SIGSTORE_FILES = [
  "envelope.proto",
  "sigstore_bundle.proto",
  "sigstore_common.proto",
  "sigstore_rekor.proto",
  "sigstore_trustroot.proto",
];

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
fetchProtos();
const env = { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` };
run(bin("buf"), ["lint"], { stdio: "inherit", env });
/** Every file under `dir`, relative to it. */
function listFiles(dir, prefix = "") {
  let out = [];
  for (const name of readdirSync(join(dir, prefix))) {
    const rel = join(prefix, name);
    if (statSync(join(dir, rel)).isDirectory()) out = out.concat(listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** The generated folders, relative to the repository root. */
const GENERATED = ["sdk/typescript/src/gen"];

if (process.argv.includes("--check")) {
  const tmp = mkdtempSync(join(tmpdir(), "certus-gen-"));
  run(bin("buf"), ["generate", "-o", tmp], { stdio: "inherit", env });
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
} else if (!process.argv.includes("--lint-only")) {
  run(bin("buf"), ["generate"], { stdio: "inherit", env });
  console.log(`generated: ${GENERATED.join(", ")}`);
}
