/**
 * Process entry of `certus-trust`: runs the command line and exits with its code.
 */
import { run } from "./cli/index.js";

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`certus-trust: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(3);
  },
);
