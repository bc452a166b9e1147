import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { EmbeddedCA } from "../../../src/sigstore/embedded/ca.js";
import { EmbeddedCtLog } from "../../../src/sigstore/embedded/ct/ct-log.js";
import { EmbeddedTSA } from "../../../src/sigstore/embedded/tsa.js";
import { KeyStore } from "../../../src/sigstore/keys/key-store.js";

/**
 * A fresh data directory with the embedded CA and TSA opened on it, as the server would; with
 * `withCtLog`, the CA submits precertificates to an embedded CT log (`ctLog`) and embeds SCTs.
 */
export async function openStack(dataDir?: string, now?: () => Date, withCtLog = false) {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), "certus-ca-")));
  const keys = await KeyStore.open(dir);
  let roots: Uint8Array[] = [];
  const ctLog = withCtLog
    ? await EmbeddedCtLog.open({ directory: path.join(dir, "ctlog", "1"), signer: keys.signer("ctlog"), acceptedRoots: () => roots })
    : undefined;
  const ca = await EmbeddedCA.open({
    directory: keys.directory,
    rootKey: keys.signer("ca-root"),
    intermediateKey: keys.signer("ca-intermediate"),
    ...(now ? { now } : {}),
    ...(ctLog ? { ctLog } : {}),
  });
  roots = [new Uint8Array(ca.root.rawData)];
  const tsa = await EmbeddedTSA.open({
    directory: keys.directory,
    rootKey: keys.signer("tsa-root"),
    signingKey: keys.signer("tsa"),
    ...(now ? { now } : {}),
  });
  return {
    dataDir: dir,
    keys,
    ca,
    tsa,
    ctLog,
    cleanup: async () => {
      await ctLog?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
