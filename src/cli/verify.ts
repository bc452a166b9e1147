/**
 * `certus-trust verify`: asks the service to verify a Sigstore bundle over an artifact against an
 * expected signer (or a policy). Exit 0 when verified, 1 when not.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { fromJson, toJsonString, type JsonValue } from "@bufbuild/protobuf";
import { VerifyResponseSchema } from "@certus/trust-sdk";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, outputOf, trustClient } from "./client.js";

export const VERIFY_USAGE = `Usage: certus-trust verify --bundle <file> (--digest sha256:<hex> | --artifact <file>) <expected signer>

Verifies a Sigstore bundle over an artifact on the service and prints the verdict with a reason
code for every failed check. Exit code 0 when verified, 1 when not.
  --bundle <file>          the bundle (bundle.sigstore.json); - reads stdin
  --digest sha256:<hex>    the artifact's digest, or
  --artifact <file>        the artifact (only its SHA-256 is sent)
Expected signer (one of):
  --subject <identity>     exact certificate identity (SAN), with --issuer
  --subject-regexp <re>    regular expression the whole identity must match, with --issuer
  --issuer <url>           exact OIDC issuer of the signer's certificate
  --public-key <file>      PEM public key, for key-signed bundles
  --policy <name>          a signer policy of the service
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
  try {
    bundle = fromJson(BundleSchema, readJson(values.bundle, "--bundle"), { ignoreUnknownFields: false });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--bundle: not a Sigstore bundle: ${(err as Error).message}`);
  }
  // Exactly one of the two is given (checked above).
  const digest = values.artifact !== undefined ? `sha256:${createHash("sha256").update(readFileSync(values.artifact)).digest("hex")}` : (values.digest ?? "");
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
    },
    ...(customRoot ? { trustedRoot: fromJson(TrustedRootSchema, readJson(root, "--trust-root")) } : { trustRoot: root }),
  });
  if (output === "json") {
    process.stdout.write(toJsonString(VerifyResponseSchema, res, { prettySpaces: 2, alwaysEmitImplicit: true }) + "\n");
  } else if (res.verified) {
    const e = res.entry ? `, log index ${res.entry.logIndex}` : "";
    console.log(`verified: ${digest} signed by ${res.signer?.subject || "the given key"}${res.signer?.issuer ? ` (issuer ${res.signer.issuer})` : ""}${e}`);
  } else {
    console.log(`NOT verified: ${digest}`);
    for (const f of res.failures) console.log(`  ${f.code}: ${f.message}`);
  }
  return res.verified ? 0 : 1;
}
