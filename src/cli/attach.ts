/**
 * `certus-trust attach oci://…`: puts a Sigstore bundle beside an image in its registry, as an
 * OCI 1.1 referrer laid out the way cosign v3 reads it (oci/bundle-referrer.ts). With `--sign`
 * it first has the service sign the image digest as a cosign v3 image signature (an in-toto
 * statement of type https://sigstore.dev/cosign/sign/v1, which the policy must allow). The
 * service stays storage-agnostic: only this client talks to the registry.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { toJson } from "@bufbuild/protobuf";
import { BundleSchema } from "@certus/trust-sdk/gen/sigstore_bundle_pb";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, replyField, trustClient } from "./client.js";
import { attachBundle, COSIGN_SIGN_PREDICATE_TYPE } from "./oci/bundle-referrer.js";
import { parseImageReference } from "./oci/reference.js";
import { RegistryError } from "./oci/registry-client.js";

export const ATTACH_USAGE = `Usage: certus-trust attach oci://<registry>/<repository>@sha256:<hex> (--bundle <file> | --sign)

Attaches a Sigstore bundle to an image as an OCI 1.1 referrer (cosign v3's layout), so that
\`cosign verify\` / \`cosign verify-attestation\` and \`certus-trust verify oci://…\` find it.
  --bundle <file>          a bundle over the image digest (from \`sign\` or \`attest\`)
  --sign                   have the service sign the image digest as a cosign image signature
                           (predicate type ${COSIGN_SIGN_PREDICATE_TYPE}) and attach that
  --policy <name>          signer policy for --sign
Registries on loopback hosts are spoken to over http, others over https; anonymous access only.
${CLIENT_OPTIONS_HELP}`;

export async function attachCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...CLIENT_OPTIONS, bundle: { type: "string" }, sign: { type: "boolean" }, policy: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(ATTACH_USAGE);
    return 0;
  }
  const [reference] = positionals;
  if (positionals.length !== 1 || reference === undefined) throw new UsageError("give exactly one image reference: oci://<registry>/<repository>@sha256:<hex>");
  const image = parseImageReference(reference);
  if (!values.bundle === !values.sign) throw new UsageError("give exactly one of --bundle and --sign");
  let bundle: Record<string, unknown>;
  if (values.sign) {
    const res = await trustClient(values).sign({
      artifact: { digest: image.digest, uri: reference },
      policy: values.policy ?? "",
      statement: { predicateType: COSIGN_SIGN_PREDICATE_TYPE, predicateJson: "{}" },
    });
    bundle = toJson(BundleSchema, replyField(res.bundle, "bundle")) as Record<string, unknown>;
    console.error(`signed ${image.digest}: log index ${res.entry?.logIndex}`);
  } else {
    const path = values.bundle;
    if (path === undefined) throw new UsageError("give exactly one of --bundle and --sign");
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw new UsageError(`--bundle: cannot read ${path} as JSON: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!isJsonObject(parsed)) throw new UsageError(`--bundle: ${path} is not a Sigstore bundle`);
    bundle = parsed;
  }
  try {
    const attached = await attachBundle(image, bundle);
    console.log(
      `attached: ${image.registry}/${image.repository}@${attached.digest} refers to ${image.digest}${attached.predicateType ? ` (${attached.predicateType})` : ""}`,
    );
    return 0;
  } catch (err) {
    if (err instanceof RegistryError) {
      console.error(`certus-trust attach: ${err.message}`);
      return 3;
    }
    throw err;
  }
}

/** A JSON object (not an array, not null). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
