/**
 * Process entry of `certus-trust`: runs the command line and exits with its code.
 *
 * `serve` first gets its runtime settings (V8 heap flags, malloc arenas: `cli/runtime-defaults.ts`),
 * which only a process start can set: it re-executes itself with them before the command line and
 * everything it imports is loaded.
 */
import { reexecWithRuntimeDefaults } from "./cli/runtime-defaults.js";

reexecWithRuntimeDefaults();
const { run } = await import("./cli/index.js");

/**
 * Exits once stdout and stderr have flushed: a large output into a pipe (say `audit list
 * --output json | jq`) is partly queued when the pipe is full, and `process.exit` alone would
 * cut it off.
 */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}

run(process.argv.slice(2)).then(
  (code) => exitAfterFlush(code),
  (err: unknown) => {
    console.error(`certus-trust: ${err instanceof Error ? err.message : String(err)}`);
    exitAfterFlush(3);
  },
);
