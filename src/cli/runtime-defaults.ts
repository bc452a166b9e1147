/**
 * The runtime settings `certus-trust serve` runs with: V8 heap flags and the glibc malloc arena
 * count, which can only be set when a process starts. A `serve` started without them (`npx
 * certus-trust serve`, `npm start`, the container's `node dist/src/main.js serve`) replaces
 * itself once, at the very start, with the same command plus these settings (`process.execve`:
 * same process id, same stdio, nothing loaded yet), so every way of starting the service gets
 * them and no wrapper process is left behind.
 *
 * Why these values (A/B on 2 cores, server CPU time per call, `docs/architecture.md`, "Memory"):
 * - `--heap-growing-percent=60`: after a full collection V8 let the main thread's old generation
 *   grow to up to four times what survived it (50-60 MB live became 120-210 MB resident under the
 *   bench's load) before collecting again. 1.6 times keeps it nearer the live size: the bench's
 *   peak RSS went from 531-584 MB to 401-436 MB, for 0-10 % more CPU per sign (within the noise for
 *   verify). A growth rate, not a cap: a heap that needs more still grows. (1.3 times saved ~20 MB
 *   more for ~20 % more CPU per sign.)
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates its own arena (up to 8 per core);
 *   the server's threads (HTTP/2, SQLite, the log writer, the verify workers, libuv, V8's helpers)
 *   then keep freed memory in many of them. Two arenas saved 30-60 MB with the flag above.
 * - Not set: `--max-semi-space-size`. V8 sizes the young generation from the machine's memory
 *   (64 MB semi-spaces, 128 MB resident, on 24 GiB). 8 MB semi-spaces saved another 70-100 MB but
 *   cost 20-35 % more CPU per sign (the 64 calls in flight survive more, smaller scavenges); an
 *   operator short of memory can pass it (`NODE_OPTIONS=--max-semi-space-size=8`).
 *
 * An operator's own choice wins: a flag already given to node (command line or `NODE_OPTIONS`) or
 * an arena setting already in the environment (`MALLOC_ARENA_MAX`, `GLIBC_TUNABLES`) is kept, and
 * `CERTUS_TRUST_RUNTIME_DEFAULTS=off` turns the whole re-execution off.
 */

/** The V8 flags `serve` adds when the operator has not given them (see the module comment). */
export const SERVE_V8_FLAGS: readonly string[] = ["--heap-growing-percent=60"];
/** glibc malloc arenas for `serve` (see the module comment). */
export const SERVE_MALLOC_ARENA_MAX = "2";
/** Set to `off` to start `serve` with node's and glibc's own defaults. */
export const RUNTIME_DEFAULTS_ENV = "CERTUS_TRUST_RUNTIME_DEFAULTS";
/** Marks the re-executed process (removed at once, so the server's children do not inherit it). */
const REEXEC_MARK_ENV = "CERTUS_TRUST_REEXECUTED" as const;

/** What a process needs to be re-executed with: extra node flags and environment, or nothing. */
export interface RuntimeDefaults {
  readonly flags: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** The name of a node/V8 flag (`--max-semi-space-size=8` → `max-semi-space-size`; `_` and `-` alike). */
function flagName(arg: string): string {
  return (arg.replace(/^--?/, "").split("=")[0] ?? "").replaceAll("_", "-");
}

/**
 * The settings missing from a process started with `execArgv` and `env`, for the command `argv`
 * (the arguments after the script). Empty for other commands than `serve`, for a cluster worker
 * (forked with its parent's settings), and when turned off.
 */
export function missingRuntimeDefaults(argv: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv): RuntimeDefaults {
  const none: RuntimeDefaults = { flags: [], env: {} };
  if (argv[0] !== "serve" || argv.includes("--help")) return none;
  if (env[RUNTIME_DEFAULTS_ENV] === "off" || env[REEXEC_MARK_ENV] !== undefined || env["NODE_UNIQUE_ID"] !== undefined) return none;
  const given = new Set([...execArgv, ...(env["NODE_OPTIONS"] ?? "").split(/\s+/)].filter((a) => a.startsWith("-")).map(flagName));
  const flags = SERVE_V8_FLAGS.filter((f) => !given.has(flagName(f)));
  const arenaGiven = env["MALLOC_ARENA_MAX"] !== undefined || (env["GLIBC_TUNABLES"] ?? "").includes("arena_max");
  return { flags, env: arenaGiven ? {} : { MALLOC_ARENA_MAX: SERVE_MALLOC_ARENA_MAX } };
}

/**
 * Replaces this process with itself plus the missing runtime settings, when `serve` misses any
 * and the platform can (`process.execve`: POSIX); returns otherwise. Call it before anything
 * else is loaded: nothing of this process survives the replacement but its id and open stdio.
 */
export function reexecWithRuntimeDefaults(): void {
  if (process.env[REEXEC_MARK_ENV] !== undefined) {
    delete process.env.CERTUS_TRUST_REEXECUTED;
    return;
  }
  const missing = missingRuntimeDefaults(process.argv.slice(2), process.execArgv, process.env);
  if (missing.flags.length === 0 && Object.keys(missing.env).length === 0) return;
  if (typeof process.execve !== "function") return;
  const args = [process.execPath, ...process.execArgv, ...missing.flags, ...process.argv.slice(1)];
  process.execve(process.execPath, args, { ...process.env, ...missing.env, [REEXEC_MARK_ENV]: "1" });
}
