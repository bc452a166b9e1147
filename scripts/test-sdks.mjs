#!/usr/bin/env node
// Tests the Python and Go SDKs against a real Certus-Trust server (each suite starts its own,
// `node bin/certus-trust.js serve --port 0`, so `tsc -b` must have built dist/ first).
//
//   node scripts/test-sdks.mjs                   both suites; any failure fails the run
//   node scripts/test-sdks.mjs --allow-pending   RPCs the server answers `unimplemented` for
//                                                are skipped instead of failing
//   node scripts/test-sdks.mjs --python | --go   one suite only
//
// Python: a venv in .cache/venv (created on first use), `pip install ./sdk/python[test]`, pytest.
// Go: `go vet` and `go test` in sdk/go (its own module; dependencies from the Go module proxy).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensurePythonVenv, pip, root, venvPython } from "./setup-tools.mjs";

const args = process.argv.slice(2);
const only = args.includes("--python") ? "python" : args.includes("--go") ? "go" : undefined;
const env = {
  ...process.env,
  PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}`,
  ...(args.includes("--allow-pending") ? { CERTUS_TRUST_SDK_ALLOW_PENDING: "1" } : {}),
};
const results = [];

function step(name, cmd, argv, cwd) {
  console.log(`\n[test-sdks] ${name}: ${cmd} ${argv.join(" ")}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, argv, { cwd, env, stdio: "inherit" });
  const ok = r.status === 0;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`[test-sdks] ${name}: ${ok ? "ok" : `FAILED (exit ${r.status ?? r.signal ?? r.error?.message})`} in ${secs}s`);
  results.push({ name, ok });
  return ok;
}

if (!existsSync(join(root, "dist", "src", "main.js"))) {
  console.error("[test-sdks] dist/src/main.js is missing: run `npx tsc -b` (or `npm run build`) first");
  process.exit(1);
}
if (env.CERTUS_TRUST_SDK_ALLOW_PENDING) console.log("[test-sdks] --allow-pending: unimplemented RPCs are skipped");

if (only !== "go") {
  ensurePythonVenv();
  const sdk = join(root, "sdk", "python");
  pip([`${sdk}[test]`], "./sdk/python[test] (dependencies)");
  // The same version number, new code: reinstall the package itself every run.
  pip(["--force-reinstall", "--no-deps", sdk], "./sdk/python (this checkout)");
  step("python", venvPython, ["-m", "pytest", "-rs", "-v"], sdk);
}
if (only !== "python") {
  const sdk = join(root, "sdk", "go");
  if (step("go vet", "go", ["vet", "./..."], sdk)) step("go test", "go", ["test", "-count=1", "-v", "./..."], sdk);
}

const failed = results.filter((r) => !r.ok);
console.log(`\n[test-sdks] ${results.map((r) => `${r.name}: ${r.ok ? "ok" : "FAILED"}`).join(", ")}`);
console.log(`sdk-suites: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length > 0 ? 1 : 0);
