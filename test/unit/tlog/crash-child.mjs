// Child process for crash.test.ts: appends forever, printing each acknowledged (durable) entry.
// Runs the TypeScript sources directly: Node 24 strips types, and this hook maps the sources'
// NodeNext-style ".js" imports onto their ".ts" files.
import { registerHooks } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
      const ts = new URL(specifier.replace(/\.js$/, ".ts"), context.parentURL);
      if (existsSync(fileURLToPath(ts))) return next(ts.href, context);
    }
    return next(specifier, context);
  },
});

const { EmbeddedTransparencyLog } = await import("../../../src/sigstore/embedded/tlog/log.ts");
const { request } = await import("./fixtures.ts");
const { createPrivateKey, createPublicKey, sign } = await import("node:crypto");

const [dataDir, pkcs8b64, start, walCheckpointPages] = process.argv.slice(2);
const privateKey = createPrivateKey({ key: Buffer.from(pkcs8b64, "base64"), format: "der", type: "pkcs8" });
const publicKey = createPublicKey(privateKey);
const signer = {
  name: "crash-test",
  publicKeySpki: publicKey.export({ format: "der", type: "spki" }),
  publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
  sign: async (data) => sign("sha256", data, privateKey),
};
const log = await EmbeddedTransparencyLog.open({
  dataDir,
  signer,
  origin: "tlog.certus.example",
  ...(walCheckpointPages ? { walCheckpointPages: Number(walCheckpointPages) } : {}),
});
let n = Number(start);
const worker = async () => {
  for (;;) {
    const e = await log.append(request(n++));
    process.stdout.write(`${e.logIndex} ${e.uuid}\n`);
  }
};
await Promise.all(Array.from({ length: 16 }, worker));
