import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { EmbeddedCA } from "../../../src/sigstore/embedded/ca.js";
import { EmbeddedTSA } from "../../../src/sigstore/embedded/tsa.js";
import { KeyStore } from "../../../src/sigstore/keys/key-store.js";

/** A fresh data directory with the embedded CA and TSA opened on it, as the server would. */
export async function openStack(dataDir?: string, now?: () => Date) {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), "certus-ca-")));
  const keys = await KeyStore.open(dir);
  const ca = await EmbeddedCA.open({
    directory: keys.directory,
    rootKey: keys.signer("ca-root"),
    intermediateKey: keys.signer("ca-intermediate"),
    ...(now ? { now } : {}),
  });
  const tsa = await EmbeddedTSA.open({
    directory: keys.directory,
    rootKey: keys.signer("tsa-root"),
    signingKey: keys.signer("tsa"),
    ...(now ? { now } : {}),
  });
  return { dataDir: dir, keys, ca, tsa, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
