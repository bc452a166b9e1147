/**
 * A real Keycloak for tests: the Quarkus distribution scripts/setup-keycloak.mjs installed into the
 * tool cache, started as `kc.sh start-dev --import-realm` on free loopback ports (HTTP and its own
 * management port, where /health/ready answers), importing `deploy/keycloak/certus-realm.json` (the
 * realm docker-compose.yml imports), optionally changed by the test (a client added, say).
 *
 * Keycloak keeps its data (H2 database, transaction logs) and its augmented build (`lib/quarkus`,
 * rewritten by start-dev) inside its home directory, so each start gets a home of its own in a temp
 * directory: `bin/kc.sh`, `conf/`, `lib/quarkus`, `lib/app` and the runner jar are copied (a few
 * MB), the 168 MB of jars (`lib/lib`), `themes/` and `providers/` are symlinks into the cache,
 * which is never written. start-dev re-augments the distribution for the dev profile the first
 * time (about 45 s here); the augmented `lib/quarkus` is kept in the cache (`dev-augmented/`) and
 * copied into later homes, so later starts skip that step (Keycloak re-augments by itself if its
 * build options ever differ from the ones recorded there).
 *
 * The JVM heap is capped at 512 MB (`JAVA_OPTS_KC_HEAP`). Ready in 45–100 s as measured here on
 * two cores at a load average of 10–14 (progress is printed every 10 s). No admin user is
 * bootstrapped: the tests need only the imported realm.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
// @ts-expect-error -- a plain .mjs script without declarations
import { KEYCLOAK_VERSION, javaMajor, keycloakHome, keycloakInstall } from "../../scripts/setup-keycloak.mjs";
import { REPO_ROOT, tempDir } from "./server.js";
import { freePort } from "./sigstore-stack.js";

export { KEYCLOAK_VERSION };

/** The realm file docker-compose.yml imports too. */
export const REALM_FILE = join(REPO_ROOT, "deploy", "keycloak", "certus-realm.json");
export const REALM = "certus";

/** A realm representation, as far as the tests touch it. */
export interface RealmJson {
  realm: string;
  clients: Record<string, unknown>[];
  users?: Record<string, unknown>[];
  [key: string]: unknown;
}

/** Why Keycloak cannot start here, or undefined. */
export function keycloakMissing(): string | undefined {
  const java = javaMajor() as number | undefined;
  if (java === undefined) return "Java is not on PATH (Keycloak needs Java >= 17)";
  if (java < 17) return `Java ${java} is too old (Keycloak needs Java >= 17)`;
  if (keycloakInstall() === undefined) return `Keycloak ${KEYCLOAK_VERSION as string} is not installed; run \`node scripts/setup-keycloak.mjs\``;
  return undefined;
}

export interface KeycloakOptions {
  /** Changes the realm copy before it is imported (the file in deploy/ is not touched). */
  realm?: (realm: RealmJson) => void;
  /** How long to wait for /health/ready. Default 240 s (a loaded machine takes minutes). */
  readyTimeoutMs?: number;
  /** Where progress lines go. Default console.log. */
  log?: (line: string) => void;
}

export interface TestKeycloak {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The realm's issuer, `<url>/realms/certus`. */
  readonly issuer: string;
  /** The realm's token endpoint. */
  readonly tokenUrl: string;
  /** This run's Keycloak home (its data dir is `<home>/data`). */
  readonly home: string;
  /** The management interface (`/health/ready`). */
  readonly managementUrl: string;
  /** The exact command line it was started with, for reports. */
  readonly command: string;
  /** Milliseconds from spawn to ready. */
  readonly startMs: number;
  /** Client-credentials grant: the token response's JSON (throws with the body on an HTTP error). */
  clientCredentials(clientId: string, clientSecret: string): Promise<{ access_token: string; id_token?: string; expires_in: number }>;
  /** Captured output (last 40 kB). */
  output(): string;
  stop(): Promise<void>;
}

const augmentedCache = () => join(keycloakHome() as string, "dev-augmented");

/** A fresh home for one run: small parts copied, the big read-only parts linked to the cache. */
function makeHome(realm: RealmJson): string {
  const dist = keycloakHome() as string;
  const home = tempDir("certus-keycloak-");
  mkdirSync(join(home, "bin"));
  cpSync(join(dist, "bin", "kc.sh"), join(home, "bin", "kc.sh"));
  cpSync(join(dist, "conf"), join(home, "conf"), { recursive: true });
  mkdirSync(join(home, "lib"));
  cpSync(join(dist, "lib", "app"), join(home, "lib", "app"), { recursive: true });
  cpSync(join(dist, "lib", "quarkus-run.jar"), join(home, "lib", "quarkus-run.jar"));
  const augmented = augmentedCache();
  cpSync(existsSync(augmented) ? augmented : join(dist, "lib", "quarkus"), join(home, "lib", "quarkus"), { recursive: true });
  symlinkSync(join(dist, "lib", "lib"), join(home, "lib", "lib"));
  symlinkSync(join(dist, "themes"), join(home, "themes"));
  symlinkSync(join(dist, "providers"), join(home, "providers"));
  mkdirSync(join(home, "data", "import"), { recursive: true });
  writeFileSync(join(home, "data", "import", "certus-realm.json"), JSON.stringify(realm), { mode: 0o600 });
  return home;
}

/** Keeps this run's dev-profile build for the next runs (once; atomic rename, a racing copy loses). */
function keepAugmented(home: string): void {
  const target = augmentedCache();
  if (existsSync(target)) return;
  const staging = `${target}.${process.pid}`;
  try {
    cpSync(join(home, "lib", "quarkus"), staging, { recursive: true });
    renameSync(staging, target);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
}

export async function startKeycloak(options: KeycloakOptions = {}): Promise<TestKeycloak> {
  const missing = keycloakMissing();
  if (missing) throw new Error(`Keycloak cannot start: ${missing}`);
  const log = options.log ?? ((l: string) => console.log(l));
  const realm = JSON.parse(readFileSync(REALM_FILE, "utf8")) as RealmJson;
  options.realm?.(realm);
  const home = makeHome(realm);
  const [port, mgmt] = [await freePort(), await freePort()];
  const args = ["start-dev", "--import-realm", "--http-host=127.0.0.1", `--http-port=${port}`, `--http-management-port=${mgmt}`, "--health-enabled=true"];
  const heap = "-Xms64m -Xmx512m";
  const command = `JAVA_OPTS_KC_HEAP="${heap}" ${join(home, "bin", "kc.sh")} ${args.join(" ")}`;
  const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"] ?? "", HOME: home, JAVA_OPTS_KC_HEAP: heap };
  if (process.env["JAVA_HOME"]) env["JAVA_HOME"] = process.env["JAVA_HOME"];
  const t0 = Date.now();
  // Its own process group: stop() can end kc.sh and the JVM it starts together, by that group's id.
  const child: ChildProcess = spawn(join(home, "bin", "kc.sh"), args, { cwd: home, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  const append = (d: Buffer) => (out = (out + d.toString()).slice(-40_000));
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (child.pid !== undefined) spawnSync("kill", ["-KILL", `-${child.pid}`]);
    }, 20_000);
    await exited;
    clearTimeout(timer);
  };

  const url = `http://127.0.0.1:${port}`;
  const managementUrl = `http://127.0.0.1:${mgmt}`;
  const until = t0 + (options.readyTimeoutMs ?? 240_000);
  let lastReport = t0;
  log(`[keycloak] starting Keycloak ${KEYCLOAK_VERSION as string}: ${command}`);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Keycloak exited with ${child.exitCode}:\n${out}`);
      try {
        const res = await fetch(`${managementUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`Keycloak was not ready within ${options.readyTimeoutMs ?? 240_000} ms:\n${out}`);
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        const last = out.trim().split("\n").at(-1) ?? "";
        log(`[keycloak] … ${Math.round((Date.now() - t0) / 1000)} s: ${last.replace(/^\S+ \S+ /, "").slice(0, 160)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const startMs = Date.now() - t0;
  log(`[keycloak] ready in ${(startMs / 1000).toFixed(1)} s at ${url} (management ${managementUrl})`);
  keepAugmented(home);
  const issuer = `${url}/realms/${realm.realm}`;
  const tokenUrl = `${issuer}/protocol/openid-connect/token`;
  return {
    url,
    issuer,
    tokenUrl,
    home,
    managementUrl,
    command,
    startMs,
    async clientCredentials(clientId, clientSecret) {
      const res = await fetch(tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }).toString(),
      });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`token endpoint: HTTP ${res.status}: ${body.slice(0, 300)}`);
      return JSON.parse(body) as { access_token: string; id_token?: string; expires_in: number };
    },
    output: () => out,
    async stop() {
      await stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
