#!/usr/bin/env node
// Installs Keycloak (the Quarkus distribution, a zip from Maven Central) for the tests that use it
// as the OIDC provider of a real Fulcio (test/interop/real-sigstore-keycloak.test.ts, through
// test/helpers/keycloak.ts). It runs on the machine's Java (17 or newer); nothing is built.
// The distribution lives OUTSIDE the repository, in the per-user tool cache:
//
//   $CERTUS_TRUST_TOOLS_DIR (default $XDG_CACHE_HOME/certus-trust or ~/.cache/certus-trust)
//     downloads/keycloak-quarkus-dist-<version>.zip   the zip, kept (checked again on reuse)
//     keycloak-<version>/                              unpacked: bin/kc.sh, lib/, conf/, …
//     keycloak-<version>/install.json                  version, checksum, size, seconds
//
// Idempotent: when install.json names the pinned version, nothing is downloaded. The zip's SHA-1 is
// compared with the `.sha1` Maven Central publishes beside it before anything is unpacked; a
// mismatch deletes the download and fails. Keycloak writes its data dir inside its home, so the
// tests never run this copy in place: test/helpers/keycloak.ts gives each run its own home that
// links back to this one's read-only parts.
//
//   node scripts/setup-keycloak.mjs              install if needed; exit 1 if it cannot
//   node scripts/setup-keycloak.mjs --optional   as above, but exit 0 (saying why) when it cannot:
//                                                the Keycloak tests then skip (fail under CI=true)
//   node scripts/setup-keycloak.mjs --print-path print the unpacked home (installed or not)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { toolsDir } from "./setup-cosign.mjs";

/** The pinned release; docker-compose.yml's image tag says the same (test/deploy checks it). */
export const KEYCLOAK_VERSION = "26.7.3";
const ARTIFACT = `keycloak-quarkus-dist-${KEYCLOAK_VERSION}`;
/** Maven Central's path of the distribution zip (org.keycloak:keycloak-quarkus-dist:<version>:zip). */
export const KEYCLOAK_ZIP_URL = `https://repo1.maven.org/maven2/org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/${ARTIFACT}.zip`;
/** Oldest Java the distribution runs on. */
const MIN_JAVA = 17;

/** The unpacked distribution (whether or not it is installed yet). */
export function keycloakHome() {
  return join(toolsDir(), `keycloak-${KEYCLOAK_VERSION}`);
}

/** What the install recorded (version, sha1, bytes, seconds), or undefined when not installed. */
export function keycloakInstall() {
  try {
    const rec = JSON.parse(readFileSync(join(keycloakHome(), "install.json"), "utf8"));
    if (rec.version !== KEYCLOAK_VERSION || !existsSync(join(keycloakHome(), "bin", "kc.sh"))) return undefined;
    return rec;
  } catch {
    return undefined;
  }
}

/** The major version of `java` on PATH, or undefined when there is none. */
export function javaMajor() {
  const r = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr);
  if (!m) return undefined;
  return m[1] === "1" ? Number(m[2]) : Number(m[1]);
}

function log(msg) {
  console.log(`[setup-keycloak] ${msg}`);
}

async function sha1Of(file) {
  const h = createHash("sha1");
  await pipeline(createReadStream(file), h);
  return h.digest("hex");
}

/** Downloads `url` into `file` (through a .part file), logging progress every 10 s. */
async function download(url, file) {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get("content-length") ?? 0);
  let got = 0;
  const t0 = Date.now();
  const timer = setInterval(() => {
    const pct = total > 0 ? ` of ${(total / 1e6).toFixed(0)} MB (${Math.round((100 * got) / total)} %)` : "";
    log(`… ${Math.round((Date.now() - t0) / 1000)} s, ${(got / 1e6).toFixed(0)} MB${pct}`);
  }, 10_000);
  const part = `${file}.part`;
  try {
    const body = Readable.fromWeb(res.body);
    body.on("data", (c) => (got += c.length));
    await pipeline(body, createWriteStream(part));
  } finally {
    clearInterval(timer);
  }
  renameSync(part, file);
  return got;
}

/** Installs the pinned Keycloak unless present. Resolves with its home. */
export async function ensureKeycloak() {
  const home = keycloakHome();
  const have = keycloakInstall();
  if (have) {
    log(`Keycloak ${have.version} already installed at ${home}`);
    return home;
  }
  const java = javaMajor();
  if (java === undefined)
    throw new Error(`Java is not on PATH: Keycloak ${KEYCLOAK_VERSION} needs Java >= ${MIN_JAVA} (Debian: apt-get install openjdk-17-jre-headless)`);
  if (java < MIN_JAVA) throw new Error(`Java ${java} is too old: Keycloak ${KEYCLOAK_VERSION} needs Java >= ${MIN_JAVA}`);
  // unzip keeps the scripts' execute bits; Python's zipfile (the fallback) does not, so they are set after.
  const unzipper = spawnSync("unzip", ["-v"]).status === 0 ? "unzip" : spawnSync("python3", ["--version"]).status === 0 ? "python3" : undefined;
  if (unzipper === undefined) throw new Error("neither unzip nor python3 is on PATH to unpack the zip (Debian: apt-get install unzip)");

  const t0 = Date.now();
  const downloads = join(toolsDir(), "downloads");
  mkdirSync(downloads, { recursive: true });
  const zip = join(downloads, `${ARTIFACT}.zip`);
  const shaRes = await fetch(`${KEYCLOAK_ZIP_URL}.sha1`);
  if (!shaRes.ok) throw new Error(`GET ${KEYCLOAK_ZIP_URL}.sha1: HTTP ${shaRes.status}`);
  const expected = (await shaRes.text()).trim().split(/\s+/)[0].toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(expected)) throw new Error(`the published checksum is not a SHA-1: ${expected.slice(0, 80)}`);

  let bytes;
  if (existsSync(zip) && (await sha1Of(zip)) === expected) {
    log(`reusing the download ${zip}`);
  } else {
    log(`downloading ${KEYCLOAK_ZIP_URL} (about 177 MB) into ${downloads}`);
    bytes = await download(KEYCLOAK_ZIP_URL, zip);
    const actual = await sha1Of(zip);
    if (actual !== expected) {
      rmSync(zip, { force: true });
      throw new Error(`checksum mismatch for ${ARTIFACT}.zip: SHA-1 ${actual}, Maven Central publishes ${expected}; the download was deleted`);
    }
    log(`downloaded ${(bytes / 1e6).toFixed(1)} MB in ${Math.round((Date.now() - t0) / 1000)} s; SHA-1 ${actual} matches the published one`);
  }

  // Unpack beside the final place, then move it there: a half-unpacked tree is never taken as installed.
  const staging = `${home}.unpacking`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const unzip =
    unzipper === "unzip"
      ? spawnSync("unzip", ["-q", zip, "-d", staging], { encoding: "utf8" })
      : spawnSync("python3", ["-m", "zipfile", "-e", zip, staging], { encoding: "utf8" });
  if (unzip.status !== 0) throw new Error(`${unzipper} failed to unpack (exit ${unzip.status}): ${unzip.stderr}`);
  const inner = join(staging, `keycloak-${KEYCLOAK_VERSION}`);
  if (!existsSync(join(inner, "bin", "kc.sh"))) throw new Error(`the zip has no keycloak-${KEYCLOAK_VERSION}/bin/kc.sh`);
  for (const f of readdirSync(join(inner, "bin"))) if (f.endsWith(".sh")) chmodSync(join(inner, "bin", f), 0o755);
  rmSync(home, { recursive: true, force: true });
  renameSync(inner, home);
  rmSync(staging, { recursive: true, force: true });
  const seconds = Math.round((Date.now() - t0) / 1000);
  writeFileSync(
    join(home, "install.json"),
    `${JSON.stringify({ version: KEYCLOAK_VERSION, url: KEYCLOAK_ZIP_URL, sha1: expected, bytes: bytes ?? null, seconds, java, installedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  log(`installed Keycloak ${KEYCLOAK_VERSION} at ${home} in ${seconds} s (Java ${java})`);
  return home;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes("--print-path")) {
    console.log(keycloakHome());
  } else {
    try {
      await ensureKeycloak();
    } catch (err) {
      log(`Keycloak is not available: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(args.includes("--optional") ? 0 : 1);
    }
  }
}
