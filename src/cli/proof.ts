/**
 * `certus-trust proof` (also `transparency`): looks up log entries with their inclusion proofs,
 * or a consistency proof between two tree sizes.
 */
import { parseArgs } from "node:util";
import { toJsonString } from "@bufbuild/protobuf";
import { GetTransparencyResponseSchema } from "@certus/trust-sdk";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, outputOf, trustClient } from "./client.js";

export const PROOF_USAGE = `Usage: certus-trust proof (--log-index <n> | --uuid <hex> | --digest sha256:<hex> | --first-size <n> --last-size <n>)

Prints transparency-log entries with their inclusion proofs against the latest checkpoint (or
--tree-size), or a consistency proof between two tree sizes.
  --log-index <n>          one entry by index
  --uuid <hex>             one entry by UUID
  --digest sha256:<hex>    every entry for an artifact digest
  --tree-size <n>          prove inclusion against this tree size instead of the latest
  --first-size <n>         consistency proof from this size …
  --last-size <n>          … to this one
${CLIENT_OPTIONS_HELP}`;

function count(v: string | undefined, flag: string): bigint | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,18}$/.test(v)) throw new UsageError(`${flag}: "${v}" is not a non-negative integer`);
  return BigInt(v);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

export async function proofCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CLIENT_OPTIONS,
      "log-index": { type: "string" },
      uuid: { type: "string" },
      digest: { type: "string" },
      "tree-size": { type: "string" },
      "first-size": { type: "string" },
      "last-size": { type: "string" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(PROOF_USAGE);
    return 0;
  }
  const output = outputOf(values);
  const logIndex = count(values["log-index"], "--log-index");
  const firstSize = count(values["first-size"], "--first-size");
  const lastSize = count(values["last-size"], "--last-size");
  const treeSize = count(values["tree-size"], "--tree-size");
  const lookups = [logIndex !== undefined, !!values.uuid, !!values.digest, firstSize !== undefined || lastSize !== undefined].filter(Boolean).length;
  if (lookups !== 1) throw new UsageError("give one of --log-index, --uuid, --digest, or --first-size with --last-size");
  if ((firstSize === undefined) !== (lastSize === undefined)) throw new UsageError("--first-size and --last-size go together");
  const res = await trustClient(values).getTransparency({
    ...(logIndex !== undefined ? { logIndex } : {}),
    uuid: values.uuid ?? "",
    digest: values.digest ?? "",
    treeSize: treeSize ?? 0n,
    firstSize: firstSize ?? 0n,
    lastSize: lastSize ?? 0n,
  });
  if (output === "json") {
    process.stdout.write(toJsonString(GetTransparencyResponseSchema, res, { prettySpaces: 2 }) + "\n");
    return 0;
  }
  if (res.consistencyProof) {
    const c = res.consistencyProof;
    console.log(`consistency ${c.firstSize} -> ${c.lastSize}: ${c.hashes.length} hashes`);
    for (const h of c.hashes) console.log(`  ${hex(h)}`);
    console.log(`checkpoint:\n${c.checkpoint}`);
    return 0;
  }
  if (res.entries.length === 0) console.log("no entries found");
  for (const e of res.entries) {
    const p = e.inclusionProof;
    console.log(`#${e.logIndex} ${e.kindVersion} uuid ${e.uuid}`);
    if (p) {
      console.log(`  included in tree of size ${p.treeSize}, root ${hex(p.rootHash)}, audit path:`);
      for (const h of p.hashes) console.log(`    ${hex(h)}`);
    }
  }
  console.log(`checkpoint:\n${res.checkpoint}`);
  return 0;
}
