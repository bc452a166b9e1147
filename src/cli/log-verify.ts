/**
 * `certus-trust log verify`: audits the service's transparency log from the outside.
 *
 * It fetches the latest signed checkpoint, verifies it with the log key (from GetKeys, or a
 * trusted root file), proves it consistent with the checkpoint the previous run saw (kept in a
 * small state file) and any `--from-checkpoint`, and with `--full` re-verifies every entry and
 * recomputes the tree (see `sigstore/audit/auditor.ts`). Each problem is named; any problem
 * exits 1 and leaves the state file untouched.
 *
 * The first run trusts the key the server reports (or the one in `--trusted-root`); later runs
 * pin it through the state file, so a server that swaps its key is caught.
 */
import { createPublicKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import type { TrustService } from "@certus/trust-sdk";
import { PROBLEM_TITLES } from "../sigstore/audit/audit-error.js";
import { AuditStateError, DEFAULT_AUDIT_STATE_FILE, readAuditState, writeAuditState } from "../sigstore/audit/audit-state.js";
import { auditLog } from "../sigstore/audit/auditor.js";
import type { LogSource } from "../sigstore/audit/log-source.js";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, outputOf, trustClient } from "./client.js";

/** Progress lines on stderr at most this often, in ms. */
const PROGRESS_INTERVAL_MS = 1000;
/** …or every this many entries, whichever comes first. */
const PROGRESS_EVERY_ENTRIES = 10_000;
/** Largest checkpoint or trusted root file read, in bytes. */
const MAX_INPUT_FILE_BYTES = 1024 * 1024;

export const LOG_USAGE = `Usage: certus-trust log verify [--server <url>] [--state <file>] [--from-checkpoint <file>] [--full]

Audits the transparency log: verifies the latest checkpoint's signature with the log key, proves
it consistent (RFC 9162) with the checkpoint seen by the previous run, and with --full re-verifies
every entry (body against leaf hash, inclusion proof) and recomputes the root from all of them.
Exits 1 naming each problem: bad signature, log key changed, inconsistent checkpoints, root
mismatch, entry body not matching its leaf, invalid inclusion proof.

  --state <file>            what the previous run verified (default ${DEFAULT_AUDIT_STATE_FILE});
                            updated only when this run finds no problem
  --from-checkpoint <file>  also prove consistency from this signed checkpoint (a signed note)
  --full                    re-verify every entry and the whole tree (progress on stderr)
  --trusted-root <file>     take the log key from this trusted_root.json instead of GetKeys
${CLIENT_OPTIONS_HELP}`;

export async function logCommand(argv: string[]): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === undefined) {
    console.log(LOG_USAGE);
    return argv[0] === undefined ? 2 : 0;
  }
  if (argv[0] !== "verify") throw new UsageError(`unknown subcommand "${argv[0]}"; expected verify`);
  const { values } = parseArgs({
    args: argv.slice(1),
    options: {
      ...CLIENT_OPTIONS,
      state: { type: "string" },
      "from-checkpoint": { type: "string" },
      full: { type: "boolean" },
      "trusted-root": { type: "string" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(LOG_USAGE);
    return 0;
  }
  const output = outputOf(values);
  const stateFile = values.state ?? DEFAULT_AUDIT_STATE_FILE;
  let previous;
  try {
    previous = await readAuditState(stateFile);
  } catch (err) {
    if (err instanceof AuditStateError) throw new UsageError(`--state: ${err.message}`);
    throw err;
  }
  const fromCheckpoint =
    values["from-checkpoint"] === undefined ? undefined : (await readBounded("--from-checkpoint", values["from-checkpoint"])).toString("utf8");
  const client = trustClient(values);
  const { spki, baseUrl } =
    values["trusted-root"] === undefined ? await logKeyFromService(client) : logKeyFromTrustedRoot(await readBounded("--trusted-root", values["trusted-root"]));

  let lastProgress = 0;
  let lastProgressCount = 0;
  const result = await auditLog({
    source: connectLogSource(client),
    logKeySpki: spki,
    ...(baseUrl ? { logBaseUrl: baseUrl } : {}),
    ...(previous ? { previous } : {}),
    ...(fromCheckpoint !== undefined ? { fromCheckpoint } : {}),
    full: values.full ?? false,
    onProgress: (done, total) => {
      const now = Date.now();
      if (done === total || now - lastProgress >= PROGRESS_INTERVAL_MS || done - lastProgressCount >= PROGRESS_EVERY_ENTRIES) {
        process.stderr.write(`verified ${done}/${total} entries (${total === 0 ? 100 : Math.floor((done * 100) / total)}%)\n`);
        lastProgress = now;
        lastProgressCount = done;
      }
    },
  });

  if (result.state !== undefined) await writeAuditState(stateFile, result.state);
  if (output === "json") {
    process.stdout.write(
      `${JSON.stringify(
        {
          ok: result.problems.length === 0,
          treeSize: result.checkpoint?.treeSize,
          rootHash: result.checkpoint?.rootHash.toString("base64"),
          consistentFrom: result.consistentFrom,
          entriesVerified: result.entriesVerified,
          problems: result.problems.map((p) => ({
            code: p.code,
            title: PROBLEM_TITLES[p.code],
            message: p.message,
            ...(p.logIndex === undefined ? {} : { logIndex: p.logIndex }),
          })),
        },
        null,
        2,
      )}\n`,
    );
  } else if (result.problems.length === 0 && result.checkpoint) {
    // No problem means a checkpoint was fetched and verified: the auditor reports one otherwise.
    const cp = result.checkpoint;
    console.log(`log OK: checkpoint ${cp.origin} size ${cp.treeSize} root ${cp.rootHash.toString("base64")} (signature verified)`);
    for (const size of result.consistentFrom) console.log(`  consistent with the earlier checkpoint of size ${size}`);
    if (values.full) console.log(`  all ${result.entriesVerified} entries re-verified; the recomputed root matches`);
    console.log(`  state saved to ${stateFile}`);
  } else {
    for (const p of result.problems) console.error(`${PROBLEM_TITLES[p.code]} [${p.code}]: ${p.message}`);
    console.error(`log verification FAILED: ${result.problems.length} problem(s); state file left unchanged`);
  }
  return result.problems.length === 0 ? 0 : 1;
}

/** The log's key and base URL as the service publishes them (GetKeys). */
async function logKeyFromService(client: Client<typeof TrustService>): Promise<{ spki: Buffer; baseUrl?: string }> {
  const keys = await client.getKeys({});
  const tlog = keys.keys.find((k) => k.purpose === "TLOG");
  if (tlog === undefined) throw new ConnectError("the service publishes no TLOG key", Code.FailedPrecondition);
  const spki = createPublicKey(tlog.publicKey).export({ format: "der", type: "spki" });
  const baseUrl = keys.trustedRoot?.tlogs[0]?.baseUrl;
  return { spki, ...(baseUrl ? { baseUrl } : {}) };
}

/** The current log key of a trusted_root.json (the first tlog without an end date). */
function logKeyFromTrustedRoot(bytes: Buffer): { spki: Buffer; baseUrl?: string } {
  let root: { tlogs?: { baseUrl?: string; publicKey?: { rawBytes?: string; validFor?: { end?: string } } }[] };
  try {
    root = JSON.parse(bytes.toString("utf8")) as typeof root;
  } catch {
    throw new UsageError("--trusted-root: not JSON");
  }
  const tlog = (root.tlogs ?? []).flatMap((t) =>
    t.publicKey?.rawBytes && !t.publicKey.validFor?.end ? [{ rawBytes: t.publicKey.rawBytes, baseUrl: t.baseUrl }] : [],
  )[0];
  if (tlog === undefined) throw new UsageError("--trusted-root: no current transparency log key (tlogs[].publicKey)");
  const spki = Buffer.from(tlog.rawBytes, "base64");
  return { spki, ...(tlog.baseUrl ? { baseUrl: tlog.baseUrl } : {}) };
}

async function readBounded(flag: string, file: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (bytes.length > MAX_INPUT_FILE_BYTES) throw new UsageError(`${flag}: ${file} is larger than ${MAX_INPUT_FILE_BYTES} bytes`);
  return bytes;
}

/** The log over the service's GetTransparency (and WatchCheckpoints for an empty log). */
function connectLogSource(client: Client<typeof TrustService>): LogSource {
  return {
    async latestCheckpoint() {
      try {
        // Any valid query answers with the latest checkpoint; a consistency query from size 1
        // is the cheapest one that needs no entry to exist but the first.
        return (await client.getTransparency({ firstSize: 1n })).checkpoint;
      } catch (err) {
        if (ConnectError.from(err).code !== Code.InvalidArgument) throw err;
        // An empty log: its size-0 checkpoint is the first message of the checkpoint stream.
        const abort = new AbortController();
        try {
          for await (const message of client.watchCheckpoints({}, { signal: abort.signal })) return message.checkpoint;
        } finally {
          abort.abort();
        }
        throw new ConnectError("the service sent no checkpoint", Code.Unavailable);
      }
    },
    async consistencyProof(firstSize, lastSize) {
      const res = await client.getTransparency({ firstSize: BigInt(firstSize), lastSize: BigInt(lastSize) });
      return res.consistencyProof?.hashes ?? [];
    },
    async entry(logIndex, treeSize) {
      const res = await client.getTransparency({ logIndex: BigInt(logIndex), treeSize: BigInt(treeSize) });
      const e = res.entries[0];
      if (e === undefined) throw new ConnectError(`the service returned no entry for log index ${logIndex}`, Code.DataLoss);
      return { logIndex: Number(e.logIndex), body: e.body, uuid: e.uuid, inclusionHashes: e.inclusionProof?.hashes ?? [] };
    },
  };
}
