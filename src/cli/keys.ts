/**
 * `certus-trust keys`: prints the service's trusted root or its public keys.
 */
import { parseArgs } from "node:util";
import { toJsonString } from "@bufbuild/protobuf";
import { GetKeysResponseSchema } from "@certus/trust-sdk";
import { TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, trustClient } from "./client.js";

export const KEYS_USAGE = `Usage: certus-trust keys [--trusted-root]

Prints the service's public keys (purpose, key id, validity), or with --trusted-root the Sigstore
trusted_root.json that verifies its bundles.
  --trusted-root           print the trusted root JSON
${CLIENT_OPTIONS_HELP}`;

export async function keysCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...CLIENT_OPTIONS, "trusted-root": { type: "boolean" } }, strict: true });
  if (values.help) {
    console.log(KEYS_USAGE);
    return 0;
  }
  const res = await trustClient(values).getKeys({});
  if (values["trusted-root"]) {
    process.stdout.write(toJsonString(TrustedRootSchema, res.trustedRoot!, { prettySpaces: 2 }) + "\n");
  } else if (values.output === "json") {
    process.stdout.write(toJsonString(GetKeysResponseSchema, res, { prettySpaces: 2 }) + "\n");
  } else {
    for (const k of res.keys) {
      const from = k.validFor?.start ? new Date(Number(k.validFor.start.seconds) * 1000).toISOString() : "?";
      console.log(`${k.purpose.padEnd(16)} ${k.keyId}  valid from ${from}`);
    }
  }
  return 0;
}
