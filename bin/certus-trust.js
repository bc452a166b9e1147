#!/usr/bin/env node
// The `certus-trust` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare).
// It needs Node.js 24 (node:sqlite); the project pins it in node_modules/.bin, which npm scripts
// and npx put first on PATH. Started by an older node directly, it says so instead of failing
// on a missing built-in module.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  console.error(
    `certus-trust needs Node.js 24 or later; this is ${process.version}. ` +
      "Run it through npm so the pinned runtime is used: `npx certus-trust …` or `npm start`.",
  );
  process.exit(2);
}
await import("../dist/src/main.js");
