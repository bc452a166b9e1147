/**
 * `certus-trust attest`: asks the service to sign the caller's own in-toto predicate about an
 * artifact (SLSA provenance, a scan result) and prints the bundle JSON. The service's policy says
 * which predicate types this caller may have signed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { toJsonString } from "@bufbuild/protobuf";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, replyField, trustClient } from "./client.js";

export const ATTEST_USAGE = `Usage: certus-trust attest --digest sha256:<hex> --predicate-type <uri> --predicate <file> [--uri <ref>] [--out <file>]

Signs an in-toto statement whose subject is the artifact and whose predicate is yours, with the
service's identity, and prints the Sigstore bundle (JSON). The policy decides which predicate
types you may have signed (a refusal exits 1).
  --digest sha256:<hex>    the artifact's SHA-256 (required)
  --predicate-type <uri>   the predicate type, e.g. https://slsa.dev/provenance/v1 (required)
  --predicate <file>       the predicate: one JSON object, at most 256 KiB; - reads stdin (required)
  --uri <ref>              names the artifact in the statement (s3://, oci://, https://, …)
  --policy <name>          signer policy
  --out <file>             write the bundle there instead of stdout
${CLIENT_OPTIONS_HELP}`;

export async function attestCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CLIENT_OPTIONS,
      digest: { type: "string" },
      "predicate-type": { type: "string" },
      predicate: { type: "string" },
      uri: { type: "string" },
      policy: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(ATTEST_USAGE);
    return 0;
  }
  if (!values.digest) throw new UsageError("--digest is required (sha256:<64 hex>)");
  if (!values["predicate-type"]) throw new UsageError("--predicate-type is required (e.g. https://slsa.dev/provenance/v1)");
  if (!values.predicate) throw new UsageError("--predicate is required (a JSON file, or - for stdin)");
  let predicateJson: string;
  try {
    predicateJson = values.predicate === "-" ? readFileSync(0, "utf8") : readFileSync(values.predicate, "utf8");
  } catch (err) {
    throw new UsageError(`--predicate: cannot read ${values.predicate}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const res = await trustClient(values).sign({
    artifact: { digest: values.digest, uri: values.uri ?? "" },
    policy: values.policy ?? "",
    statement: { predicateType: values["predicate-type"], predicateJson },
  });
  const bundle = toJsonString(BundleSchema, replyField(res.bundle, "bundle"), { prettySpaces: 2 }) + "\n";
  if (values.out) {
    writeFileSync(values.out, bundle);
    console.error(`attested (${res.predicateType}): log index ${res.entry?.logIndex}, uuid ${res.entry?.uuid}; bundle written to ${values.out}`);
  } else {
    process.stdout.write(bundle);
  }
  return 0;
}
