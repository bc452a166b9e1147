/**
 * `certus-trust verify`: asks the service to verify a Sigstore bundle over an artifact against an
 * expected signer (or a policy). Exit 0 when verified, 1 when not.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { fromJson, toJsonString, type JsonValue } from "@bufbuild/protobuf";
import { VerifyResponseSchema } from "@certus/trust-sdk";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import { artifactDigestFor } from "./artifact-digest.js";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, outputOf, trustClient } from "./client.js";
import { verifyImageCommand } from "./oci/verify-image.js";

export const VERIFY_USAGE = `Usage: certus-trust verify --bundle <file> (--digest <alg>:<hex> | --artifact <file>) <expected signer>
       certus-trust verify oci://<registry>/<repository>@sha256:<hex> <expected signer>   (see: verify oci:// --help)

Verifies a Sigstore bundle over an artifact on the service and prints the verdict with a reason
code for every failed check. Exit code 0 when verified, 1 when not.
  --bundle <file>          the bundle (bundle.sigstore.json); - reads stdin
  --digest <alg>:<hex>     the artifact's digest: sha256:<64 hex>, sha384:<96 hex> or sha512:<128 hex>, or
  --artifact <file>        the artifact (only its digest is sent, in the algorithm the bundle uses)
Expected signer (one of):
  --subject <identity>     exact certificate identity (SAN), with --issuer
  --subject-regexp <re>    regular expression the whole identity must match, with --issuer
  --issuer <url>           exact OIDC issuer of the signer's certificate
  --public-key <file>      PEM public key, for key-signed bundles
  --policy <name>          a signer policy of the service
  --predicate-type <uri>   also require the bundle's in-toto statement to be of this type
  --trust-root <root>      service (default), public-good, or a trusted_root.json file
${CLIENT_OPTIONS_HELP}`;

function readText(file: string, what: string): string {
  try {
    return file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${what}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function readJson(file: string, what: string): JsonValue {
  try {
    return JSON.parse(readText(file, what)) as JsonValue;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${what}: ${file} is not JSON`);
  }
}

export async function verifyCommand(argv: string[]): Promise<number> {
  if (argv[0]?.startsWith("oci://")) return verifyImageCommand(argv);
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CLIENT_OPTIONS,
      bundle: { type: "string" },
      digest: { type: "string" },
      artifact: { type: "string" },
      subject: { type: "string" },
      "subject-regexp": { type: "string" },
      issuer: { type: "string" },
      "public-key": { type: "string" },
      policy: { type: "string" },
      "trust-root": { type: "string" },
      "predicate-type": { type: "string" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(VERIFY_USAGE);
    return 0;
  }
  const output = outputOf(values);
  if (!values.bundle) throw new UsageError("--bundle is required");
  if (!values.digest === !values.artifact) throw new UsageError("give exactly one of --digest and --artifact");
  if (!values.subject && !values["subject-regexp"] && !values["public-key"] && !values.policy) {
    throw new UsageError("say who must have signed: --subject or --subject-regexp (with --issuer), --public-key, or --policy");
  }
  let bundle;
  const bundleJson = readJson(values.bundle, "--bundle");
  try {
    bundle = fromJson(BundleSchema, bundleJson, { ignoreUnknownFields: false });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--bundle: not a Sigstore bundle: ${(err as Error).message}`);
  }
  let digest = values.digest;
  if (digest === undefined) {
    if (values.artifact === undefined) throw new UsageError("give exactly one of --digest and --artifact");
    digest = artifactDigestFor(readFileSync(values.artifact), bundleJson);
  }
  const root = values["trust-root"] ?? "service";
  const customRoot = root !== "service" && root !== "public-good";
  const res = await trustClient(values).verify({
    artifact: { digest },
    bundle,
    expectedSigner: {
      subject: values.subject ?? "",
      subjectRegexp: values["subject-regexp"] ?? "",
      issuer: values.issuer ?? "",
      publicKey: values["public-key"] ? readText(values["public-key"], "--public-key") : "",
      policy: values.policy ?? "",
      predicateType: values["predicate-type"] ?? "",
    },
    ...(customRoot ? { trustedRoot: fromJson(TrustedRootSchema, readJson(root, "--trust-root")) } : { trustRoot: root }),
  });
  if (output === "json") {
    process.stdout.write(toJsonString(VerifyResponseSchema, res, { prettySpaces: 2, alwaysEmitImplicit: true }) + "\n");
  } else if (res.verified) {
    const shard = res.entry?.shard ? `, tree ${res.entry.shard}` : "";
    const e = res.entry ? `, log index ${res.entry.logIndex}${res.entry.rekorVersion ? ` (Rekor v${res.entry.rekorVersion}${shard})` : ""}` : "";
    console.log(`verified: ${digest} signed by ${res.signer?.subject || "the given key"}${res.signer?.issuer ? ` (issuer ${res.signer.issuer})` : ""}${e}`);
    if (res.statement) console.log(`  statement: ${res.statement.predicateType} about ${res.statement.subjects.map((s) => s.name).join(", ")}`);
  } else {
    console.log(`NOT verified: ${digest}`);
    for (const f of res.failures) console.log(`  ${f.code}: ${f.message}`);
  }
  return res.verified ? 0 : 1;
}
