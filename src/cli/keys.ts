/**
 * `certus-trust keys`: prints the service's public keys, its trusted root, or the TUF root.json
 * clients bootstrap from; `certus-trust keys rotate` (keys-rotate.ts) rotates a key set offline.
 */
import { parseArgs } from "node:util";
import { toJsonString } from "@bufbuild/protobuf";
import { GetKeysResponseSchema } from "@certus/trust-sdk";
import { ClientTrustConfigSchema, TrustedRootSchema } from "@certus/trust-sdk/gen/sigstore_trustroot_pb";
import { CLIENT_OPTIONS, CLIENT_OPTIONS_HELP, DEFAULT_SERVER, UsageError, replyField, trustClient } from "./client.js";
import { keysRotateCommand } from "./keys-rotate.js";

/** Largest root.json accepted from the server, in bytes (TUF clients use 512 KiB). */
const MAX_ROOT_BYTES = 512 * 1024;

export const KEYS_USAGE = `Usage: certus-trust keys [--trusted-root | --client-trust-config | --tuf-root] [options]
       certus-trust keys rotate --purpose ca|tsa|ct|tuf-root [--data-dir <dir>]

Prints the service's public keys (purpose, key id, validity), or with --trusted-root the Sigstore
trusted_root.json that verifies its bundles, or with --client-trust-config the trusted root and
the signing config as one Sigstore client trust config, or with --tuf-root the current TUF
root.json that TUF clients bootstrap from:

  certus-trust keys --client-trust-config > cfg.json
  sigstore --trust-config cfg.json verify identity --offline --bundle b.json …   (sigstore-python)
  certus-trust keys --trusted-root > tr.json
  cosign verify-blob --trusted-root tr.json --bundle b.json …
  certus-trust keys --tuf-root > root.json
  cosign initialize --mirror <server>/tuf --root root.json

  --trusted-root           print the trusted root JSON
  --client-trust-config    print the client trust config JSON (trusted root + signing config)
  --tuf-root               print the current TUF root.json (N.root.json, N = current version)
${CLIENT_OPTIONS_HELP}

"keys rotate" adds a new CA, TSA or TUF root key while the server is stopped (see: certus-trust keys rotate --help).`;

export async function keysCommand(argv: string[]): Promise<number> {
  if (argv[0] === "rotate") return keysRotateCommand(argv.slice(1));
  const { values } = parseArgs({
    args: argv,
    options: { ...CLIENT_OPTIONS, "trusted-root": { type: "boolean" }, "client-trust-config": { type: "boolean" }, "tuf-root": { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    console.log(KEYS_USAGE);
    return 0;
  }
  if ([values["trusted-root"], values["client-trust-config"], values["tuf-root"]].filter(Boolean).length > 1) {
    throw new UsageError("--trusted-root, --client-trust-config and --tuf-root exclude each other");
  }
  const res = await trustClient(values).getKeys({});
  if (values["tuf-root"]) {
    const version = res.tuf?.rootVersion ?? 0n;
    if (version < 1n) throw new UsageError("the server reports no TUF repository");
    // Fetched from the server named on the command line: the URL in GetKeys is the one the
    // server advertises, which need not be reachable from here.
    const base = (values.server ?? process.env["CERTUS_TRUST_SERVER"] ?? DEFAULT_SERVER).replace(/\/+$/, "");
    const response = await fetch(`${base}/tuf/${version}.root.json`);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200 || bytes.length > MAX_ROOT_BYTES) {
      console.error(`certus-trust keys: GET ${base}/tuf/${version}.root.json answered ${response.status}`);
      return 3;
    }
    process.stdout.write(bytes);
  } else if (values["client-trust-config"]) {
    if (res.clientTrustConfig === undefined) throw new UsageError("the server offers no client trust config (it has no signing config)");
    process.stdout.write(toJsonString(ClientTrustConfigSchema, res.clientTrustConfig, { prettySpaces: 2 }) + "\n");
  } else if (values["trusted-root"]) {
    process.stdout.write(toJsonString(TrustedRootSchema, replyField(res.trustedRoot, "trusted root"), { prettySpaces: 2 }) + "\n");
  } else if (values.output === "json") {
    process.stdout.write(toJsonString(GetKeysResponseSchema, res, { prettySpaces: 2 }) + "\n");
  } else {
    const when = (t: { seconds: bigint } | undefined) => (t ? new Date(Number(t.seconds) * 1000).toISOString() : "?");
    for (const k of res.keys) {
      const until = k.validFor?.end ? ` until ${when(k.validFor.end)}` : "";
      console.log(`${k.purpose.padEnd(16)} ${k.keyId}  valid from ${when(k.validFor?.start)}${until}`);
    }
    if (res.tuf) console.log(`TUF repository   ${res.tuf.url} (root version ${res.tuf.rootVersion})`);
  }
  return 0;
}
