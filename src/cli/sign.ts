/**
 * `certus-trust sign`: asks the service to sign an artifact digest and prints the bundle JSON.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { toJsonString } from "@bufbuild/protobuf";
import { SignatureFormat } from "@certus/trust-sdk";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, replyField, trustClient } from "./client.js";

export const SIGN_USAGE = `Usage: certus-trust sign --digest sha256:<hex> [--uri <ref>] [--format dsse|message] [--out <file>]

Signs an artifact with the service's identity and prints the Sigstore bundle (JSON).
  --digest sha256:<hex>    the artifact's SHA-256 (required)
  --uri <ref>              where the artifact lives (s3://, oci://, https://, …)
  --format dsse|message    DSSE in-toto statement (default) or message signature
  --policy <name>          signer policy
  --out <file>             write the bundle there instead of stdout
${CLIENT_OPTIONS_HELP}`;

export async function signCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CLIENT_OPTIONS,
      digest: { type: "string" },
      uri: { type: "string" },
      format: { type: "string" },
      policy: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(SIGN_USAGE);
    return 0;
  }
  if (!values.digest) throw new UsageError("--digest is required (sha256:<64 hex>)");
  const format = values.format ?? "dsse";
  if (format !== "dsse" && format !== "message") throw new UsageError(`--format: "${format}" is not accepted; expected dsse or message`);
  const res = await trustClient(values).sign({
    artifact: { digest: values.digest, uri: values.uri ?? "" },
    format: format === "dsse" ? SignatureFormat.DSSE : SignatureFormat.MESSAGE_SIGNATURE,
    policy: values.policy ?? "",
  });
  const bundle = toJsonString(BundleSchema, replyField(res.bundle, "bundle"), { prettySpaces: 2 }) + "\n";
  if (values.out) {
    writeFileSync(values.out, bundle);
    console.error(`signed: log index ${res.entry?.logIndex}, uuid ${res.entry?.uuid}; bundle written to ${values.out}`);
  } else {
    process.stdout.write(bundle);
  }
  return 0;
}
