#!/usr/bin/env node
/**
 * Bundles the web console (src/ui) with esbuild into dist/ui: index.html plus content-hashed
 * console-<hash>.js and console-<hash>.css, which src/server/ui.ts serves at /ui/. Run after
 * `tsc -b` (the console imports @certus/trust-sdk/web from the SDK's dist). Nothing it writes is
 * committed. The bundle targets browsers only: a Node.js import in the SDK's web entry fails here.
 *
 *   node scripts/build-ui.mjs            build dist/ui
 *   node scripts/build-ui.mjs --if-stale build only when a source is newer than dist/ui/index.html
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
const SOURCE = join(ROOT, "src/ui");
/** Where the console is served from (src/server/ui.ts `defaultUiDir`). */
export const UI_DIR = join(ROOT, "dist/ui");

/** True when dist/ui is missing or older than a console source or the SDK's web build. */
export function uiIsStale(outdir = UI_DIR) {
  const index = join(outdir, "index.html");
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const inputs = [...readdirSync(SOURCE).map((n) => join(SOURCE, n)), join(ROOT, "sdk/typescript/dist/web.js"), join(ROOT, "sdk/typescript/dist/index.js")];
  return inputs.some((p) => existsSync(p) && statSync(p).mtimeMs > built);
}

/** Builds the console into `outdir` (replaced as a whole, so a server never sees half a build). */
export async function buildUi({ outdir = UI_DIR, minify = true } = {}) {
  if (!existsSync(join(ROOT, "sdk/typescript/dist/web.js"))) {
    throw new Error("sdk/typescript/dist/web.js is missing: run `tsc -b` before building the console");
  }
  const staging = `${outdir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { console: join(SOURCE, "main.ts"), "console-style": join(SOURCE, "console.css") },
    entryNames: "[name]-[hash]",
    outdir: staging,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  const outputs = Object.entries(result.metafile.outputs);
  const find = (entry) => {
    const hit = outputs.find(([, meta]) => meta.entryPoint !== undefined && resolve(ROOT, meta.entryPoint) === entry);
    if (!hit) throw new Error(`esbuild produced no output for ${entry}`);
    return basename(hit[0]);
  };
  const html = readFileSync(join(SOURCE, "index.html"), "utf8")
    .replace("%CONSOLE_JS%", find(join(SOURCE, "main.ts")))
    .replace("%CONSOLE_CSS%", find(join(SOURCE, "console.css")));
  writeFileSync(join(staging, "index.html"), html);
  rmSync(outdir, { recursive: true, force: true });
  renameSync(staging, outdir);
  return { outdir, files: readdirSync(outdir) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-stale") && !uiIsStale()) process.exit(0);
  const { outdir, files } = await buildUi();
  console.log(`web console: ${files.join(", ")} in ${outdir}`);
}
