/**
 * `certus-trust keys rotate --purpose ca|tsa|ct|tuf-root`: adds the next generation of a key set on
 * the server's data directory, while the server is stopped, and publishes what follows from it:
 * a new trusted root (the old CA or TSA kept, with `validFor.end`) as a new TUF targets version,
 * or, for the TUF root key, root N+1 signed by the old and the new root key.
 *
 * It opens the embedded stack exactly as the server does at start-up (which is where publication
 * happens), so a rotation interrupted half-way is completed by the next run or the next start.
 * The TUF repository's writer lock makes it refuse to run beside a live server.
 */
import { parseArgs } from "node:util";
import { resolveConfig } from "../config/config.js";
import { ROTATABLE_SETS, rotateKeySet, type RotatableSet } from "../sigstore/embedded/generations.js";
import { DEFAULT_BASE_URL } from "../sigstore/embedded/instance.js";
import { EmbeddedStack } from "../sigstore/embedded/stack.js";
import { TrustError } from "../errors.js";
import { UsageError } from "./client.js";

export const KEYS_ROTATE_USAGE = `Usage: certus-trust keys rotate --purpose ca|tsa|ct|tuf-root [--data-dir <dir>] [--config <file>]

Rotates a key set of the embedded stack. Run it while the server is stopped; the server picks the
new keys up when it starts. Nothing is deleted: old keys stay in the trusted root (with an end
date) so bundles signed before the rotation keep verifying.

  --purpose ca             new CA root and intermediate keys and certificates; the trusted root
                           lists the old CA with validFor.end = now and the new one from now;
                           published as a new TUF targets version
  --purpose tsa            the same for the timestamp authority
  --purpose ct             a new certificate-transparency log (new key, new log): the trusted
                           root lists the old CT log with validFor.end = now and the new one
  --purpose tuf-root       a new TUF root key: root N+1 signed by the old and the new root key
                           (clients holding any earlier root.json follow the chain)
  --data-dir <dir>         the server's data directory (default as for serve; env CERTUS_TRUST_DATA_DIR)
  --config <file>          the server's configuration file (for the data directory and public URL)

The transparency log key cannot be rotated: a log is bound to its key (its log ID is the key's
hash, and the log refuses to open with another key). A new log key means a new log, with a new
data directory.`;

/** What `--purpose` accepts. */
const PURPOSES: readonly string[] = ROTATABLE_SETS;

export async function keysRotateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { purpose: { type: "string" }, "data-dir": { type: "string" }, config: { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    console.log(KEYS_ROTATE_USAGE);
    return 0;
  }
  const purpose = values.purpose;
  if (purpose === "tlog" || purpose === "log") {
    throw new UsageError("the log key cannot be rotated: a log is bound to its key; a new key means a new log (new data directory)");
  }
  if (purpose === undefined || !PURPOSES.includes(purpose)) {
    throw new UsageError(`--purpose: ${purpose === undefined ? "required" : `"${purpose}" is not accepted`}; expected ${ROTATABLE_SETS.join(", ")}`);
  }
  const config = resolveConfig({ "data-dir": values["data-dir"], config: values.config });
  // Open first: refuses (writer lock) when a server is running on this data directory, and
  // completes any earlier interrupted rotation before a new one starts.
  const before = await EmbeddedStack.open(stackOptions(config));
  const rootVersionBefore = before.tuf.rootVersion;
  const targetsBefore = before.tuf.versions().targets;
  await before.close();

  let generation: number;
  try {
    generation = await rotateKeySet(config.dataDir, purpose as RotatableSet);
  } catch (err) {
    if (err instanceof TrustError) {
      console.error(`certus-trust keys rotate: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const after = await EmbeddedStack.open(stackOptions(config));
  try {
    const versions = after.tuf.versions();
    console.log(`rotated ${purpose}: generation ${generation} is current from now`);
    if (purpose === "tuf-root") {
      console.log(`TUF root version ${rootVersionBefore} -> ${versions.root} (signed by the old and the new root key)`);
    } else {
      const [count, what] =
        purpose === "ca"
          ? [after.trustedRoot.certificateAuthorities.length, "CAs"]
          : purpose === "ct"
            ? [after.trustedRoot.ctlogs.length, "CT logs"]
            : [after.trustedRoot.timestampAuthorities.length, "TSAs"];
      console.log(`trusted root lists ${count} ${what}; TUF targets version ${targetsBefore} -> ${versions.targets}`);
    }
    console.log("start the server to serve the new keys");
  } finally {
    await after.close();
  }
  return 0;
}

function stackOptions(config: ReturnType<typeof resolveConfig>) {
  return {
    dataDir: config.dataDir,
    publicUrl: config.publicUrl,
    identity: config.identity,
    // Only names the service in certificates it would issue; nothing is issued here, and the
    // issuer recorded in instance.json is kept.
    defaultIssuer: config.publicUrl || DEFAULT_BASE_URL,
  };
}
