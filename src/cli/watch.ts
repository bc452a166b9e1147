/**
 * `certus-trust watch`: follows the transparency log's signed checkpoints as they are published.
 */
import { parseArgs } from "node:util";
import { toJsonString } from "@bufbuild/protobuf";
import { WatchCheckpointsResponseSchema } from "@certus/trust-sdk";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, outputOf, trustClient } from "./client.js";

export const WATCH_USAGE = `Usage: certus-trust watch [--count <n>] [--include-indexes]

Prints the current signed checkpoint, then each new one as the log grows (one line each; with
--output json one JSON object per line). Stops after --count checkpoints, or on Ctrl-C.
  --count <n>              stop after n checkpoints
  --include-indexes        list the log indexes each checkpoint adds
${CLIENT_OPTIONS_HELP}`;

export async function watchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...CLIENT_OPTIONS, count: { type: "string" }, "include-indexes": { type: "boolean" } }, strict: true });
  if (values.help) {
    console.log(WATCH_USAGE);
    return 0;
  }
  const output = outputOf(values);
  let left = Infinity;
  if (values.count !== undefined) {
    if (!/^[1-9]\d{0,8}$/.test(values.count)) throw new UsageError(`--count: "${values.count}" is not a positive integer`);
    left = Number(values.count);
  }
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once("SIGINT", stop);
  try {
    for await (const cp of trustClient(values).watchCheckpoints({ includeIndexes: values["include-indexes"] ?? false }, { signal: abort.signal })) {
      if (output === "json") process.stdout.write(toJsonString(WatchCheckpointsResponseSchema, cp) + "\n");
      else {
        const at = cp.publishedTime ? new Date(Number(cp.publishedTime.seconds) * 1000).toISOString() : "";
        const idx = cp.newIndexes.length ? ` new: ${cp.newIndexes.join(",")}` : "";
        console.log(`size ${cp.treeSize} root ${Buffer.from(cp.rootHash).toString("hex")} ${at}${idx}`);
      }
      if (--left <= 0) break;
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    process.off("SIGINT", stop);
  }
  return 0;
}
