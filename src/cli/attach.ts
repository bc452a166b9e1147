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
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, UsageError, trustClient } from "./client.js";
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
  if (positionals.length !== 1) throw new UsageError("give exactly one image reference: oci://<registry>/<repository>@sha256:<hex>");
  const image = parseImageReference(positionals[0]!);
  if (!values.bundle === !values.sign) throw new UsageError("give exactly one of --bundle and --sign");
  let bundle: Record<string, unknown>;
  if (values.sign) {
    const res = await trustClient(values).sign({
      artifact: { digest: image.digest, uri: positionals[0]! },
      policy: values.policy ?? "",
      statement: { predicateType: COSIGN_SIGN_PREDICATE_TYPE, predicateJson: "{}" },
    });
    bundle = toJson(BundleSchema, res.bundle!) as Record<string, unknown>;
    console.error(`signed ${image.digest}: log index ${res.entry?.logIndex}`);
  } else {
    try {
      bundle = JSON.parse(readFileSync(values.bundle!, "utf8")) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`--bundle: cannot read ${values.bundle} as JSON: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (typeof bundle !== "object" || bundle === null || Array.isArray(bundle)) throw new UsageError(`--bundle: ${values.bundle} is not a Sigstore bundle`);
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
