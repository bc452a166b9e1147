#!/usr/bin/env node
// A Certus-Assurance-style build producer: describes how it built an artifact as a SLSA
// provenance v1 predicate and has Certus-Trust sign it as an in-toto statement about the
// artifact's digest. The service's policy must let this caller (its API key) have
// https://slsa.dev/provenance/v1 signed; otherwise it refuses (exit 1, the reason on stderr).
//
//   CERTUS_TRUST_API_KEY=… node examples/slsa-producer.mjs --server http://127.0.0.1:8888 \
//     --file app.tgz --uri s3://certus/builds/app.tgz --builder-id https://certus.cloud/builders/assurance@v1 \
//     --out provenance.sigstore.json
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { attestDigest, BundleSchema, createTrustClient, SLSA_PROVENANCE_V1, TrustError } from "@certus/trust-sdk/node";
import { toJsonString } from "@bufbuild/protobuf";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "http://127.0.0.1:8888" },
    file: { type: "string" },
    uri: { type: "string", default: "" },
    "builder-id": { type: "string" },
    "source-ref": { type: "string", default: "refs/heads/main" },
    out: { type: "string" },
  },
});
if (!values.file || !values["builder-id"] || !values.out) {
  console.error(
    "usage: slsa-producer.mjs --file <artifact> --builder-id <uri> --out <bundle> [--uri <ref>] [--source-ref <ref>] [--server <url>]  (API key in CERTUS_TRUST_API_KEY)",
  );
  process.exit(2);
}
const digest = `sha256:${createHash("sha256").update(readFileSync(values.file)).digest("hex")}`;
const startedOn = new Date();
// SLSA provenance v1 (https://slsa.dev/spec/v1.0/provenance): what was built from what, by whom.
const provenance = {
  buildDefinition: {
    buildType: "https://certus.cloud/assurance/build/v1",
    externalParameters: { source: values["source-ref"] },
    internalParameters: { runner: "example" },
    resolvedDependencies: [],
  },
  runDetails: {
    builder: { id: values["builder-id"] },
    metadata: { invocationId: `example-${startedOn.getTime()}`, startedOn: startedOn.toISOString(), finishedOn: new Date().toISOString() },
  },
};
const client = createTrustClient({ baseUrl: values.server, apiKey: process.env.CERTUS_TRUST_API_KEY });
try {
  const res = await attestDigest(client, digest, SLSA_PROVENANCE_V1, provenance, { uri: values.uri });
  writeFileSync(values.out, toJsonString(BundleSchema, res.bundle, { prettySpaces: 2 }) + "\n");
  console.log(JSON.stringify({ digest, predicateType: res.predicateType, signer: res.signer?.subject, logIndex: String(res.entry?.logIndex) }));
} catch (err) {
  if (!(err instanceof TrustError)) throw err;
  console.error(`refused: ${err.rawMessage}`);
  process.exitCode = 1;
} finally {
  client.close();
}
