/**
 * `certus-trust verify oci://…`: finds the Sigstore bundles attached to an image (OCI 1.1
 * referrers) and asks the service to verify each over the image digest. Verified when at least
 * one bundle verifies against the expected signer (and predicate type, when given), as cosign
 * does; every bundle's verdict is printed.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { fromJson, toJsonString, type JsonValue } from "@bufbuild/protobuf";
import { VerifyResponseSchema } from "@certus/trust-sdk";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, outputOf, trustClient } from "../client.js";
import { findBundles } from "./bundle-referrer.js";
import { parseImageReference } from "./reference.js";
import { RegistryError } from "./registry-client.js";

export const VERIFY_IMAGE_USAGE = `Usage: certus-trust verify oci://<registry>/<repository>@sha256:<hex> <expected signer> [--predicate-type <uri>]

Reads the Sigstore bundles attached to the image (OCI 1.1 referrers) and verifies each over the
image digest on the service. Exit 0 when at least one verifies, 1 when none does.
  --subject <identity> / --subject-regexp <re> with --issuer <url>, --public-key <file>, or --policy <name>
  --predicate-type <uri>   require this in-toto predicate type (e.g. https://sigstore.dev/cosign/sign/v1)
  --trust-root <root>      service (default), public-good, or a trusted_root.json file
${CLIENT_OPTIONS_HELP}`;

export async function verifyImageCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...CLIENT_OPTIONS,
      subject: { type: "string" },
      "subject-regexp": { type: "string" },
      issuer: { type: "string" },
      "public-key": { type: "string" },
      policy: { type: "string" },
      "predicate-type": { type: "string" },
      "trust-root": { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(VERIFY_IMAGE_USAGE);
    return 0;
  }
  const [reference] = positionals;
  if (positionals.length !== 1 || reference === undefined) throw new UsageError("give exactly one image reference");
  const image = parseImageReference(reference);
  if (!values.subject && !values["subject-regexp"] && !values["public-key"] && !values.policy) {
    throw new UsageError("say who must have signed: --subject or --subject-regexp (with --issuer), --public-key, or --policy");
  }
  let found;
  try {
    found = await findBundles(image);
  } catch (err) {
    if (err instanceof RegistryError) {
      console.error(`certus-trust verify: ${err.message}`);
      return 3;
    }
    throw err;
  }
  const output = outputOf(values);
  if (found.length === 0) {
    console.log(`NOT verified: no Sigstore bundle is attached to ${reference}`);
    return 1;
  }
  const root = values["trust-root"] ?? "service";
  const customRoot = root !== "service" && root !== "public-good";
  const readText = (file: string, what: string) => {
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`${what}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const bundles = found.map((f) => {
    try {
      return fromJson(BundleSchema, f.bundle as JsonValue);
    } catch (err) {
      throw new UsageError(`referrer ${f.referrer.digest} holds no Sigstore bundle: ${(err as Error).message}`);
    }
  });
  const res = await trustClient(values).verify({
    artifact: { digest: image.digest, uri: reference },
    bundles,
    expectedSigner: {
      subject: values.subject ?? "",
      subjectRegexp: values["subject-regexp"] ?? "",
      issuer: values.issuer ?? "",
      publicKey: values["public-key"] ? readText(values["public-key"], "--public-key") : "",
      policy: values.policy ?? "",
      predicateType: values["predicate-type"] ?? "",
    },
    ...(customRoot ? { trustedRoot: fromJson(TrustedRootSchema, JSON.parse(readText(root, "--trust-root")) as JsonValue) } : { trustRoot: root }),
  });
  const anyVerified = res.results.some((r) => r.verified);
  if (output === "json") {
    process.stdout.write(toJsonString(VerifyResponseSchema, res, { prettySpaces: 2 }) + "\n");
    return anyVerified ? 0 : 1;
  }
  console.log(`${anyVerified ? "verified" : "NOT verified"}: ${reference} (${found.length} bundle${found.length === 1 ? "" : "s"} attached)`);
  // One result per bundle sent, in order.
  res.results.forEach((r, i) => {
    const type = r.statement?.predicateType ?? "message signature";
    const referrer = found[i]?.referrer.digest ?? `bundle ${i}`;
    if (r.verified) console.log(`  ${referrer}: verified, ${type}, signed by ${r.signer?.subject}${r.entry ? `, log index ${r.entry.logIndex}` : ""}`);
    else console.log(`  ${referrer}: not verified (${type}): ${r.failures.map((f) => `${f.code}: ${f.message}`).join("; ")}`);
  });
  return anyVerified ? 0 : 1;
}
