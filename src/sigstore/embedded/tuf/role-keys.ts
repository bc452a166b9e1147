/**
 * The TUF repository's role keys: one signer each for targets, snapshot and timestamp, and every
 * generation of the root key (the last one signs new roots; earlier ones co-sign a rotation).
 *
 * All are ECDSA P-256 file keys (mode 0600) in `<dataDir>/tuf-keys/`, rotated root keys in
 * `<dataDir>/keys-rotated/tuf-root.<n>/`. In metadata they appear as Sigstore's own TUF
 * repository writes them: key type `ecdsa`, scheme `ecdsa-sha2-nistp256`, PEM public key.
 */
import { createHash } from "node:crypto";
import { Key } from "@tufjs/models";
import type { KeySigner } from "../../keys/key-signer.js";
import { KeyStore } from "../../keys/key-store.js";
import { openKeyGenerations, TUF_KEY_DIRECTORY_NAME, type KeyGeneration } from "../generations.js";

/** TUF key type and signature scheme of every role key. */
export const TUF_KEY_TYPE = "ecdsa";
export const TUF_KEY_SCHEME = "ecdsa-sha2-nistp256";

/** A role key as metadata names it. */
export interface TufSigner {
  readonly signer: KeySigner;
  /** The key as it appears in root.json. */
  readonly key: Key;
  /** When the key came to be (or, for a rotated root key, took over). */
  readonly validFrom: Date;
  /** When a later root key took over; undefined for current keys. */
  readonly validTo?: Date;
}

/** Every key the TUF repository signs with. */
export interface TufRoleKeys {
  /** Root key generations, oldest first; the last one is current. */
  readonly root: readonly TufSigner[];
  readonly targets: TufSigner;
  readonly snapshot: TufSigner;
  readonly timestamp: TufSigner;
}

/**
 * The TUF key of a signer. The key ID is the hex SHA-256 of the key's canonical JSON
 * (`{"keytype","keyval":{"public"},"scheme"}`, OLPC canonical form: sorted keys, no whitespace,
 * only `"` and `\` escaped), as the TUF specification defines it.
 */
export function tufKeyOf(signer: KeySigner): Key {
  const escape = (s: string) => s.replace(/[\\"]/g, (c) => `\\${c}`);
  const canonical = `{"keytype":"${TUF_KEY_TYPE}","keyval":{"public":"${escape(signer.publicKeyPem)}"},"scheme":"${TUF_KEY_SCHEME}"}`;
  const keyID = createHash("sha256").update(canonical, "utf8").digest("hex");
  return new Key({ keyID, keyType: TUF_KEY_TYPE, scheme: TUF_KEY_SCHEME, keyVal: { public: signer.publicKeyPem } });
}

/** Loads (creating on first start) the role keys and every root key generation. */
export async function openTufRoleKeys(dataDir: string, now: () => Date = () => new Date()): Promise<TufRoleKeys> {
  const roles = await KeyStore.open(dataDir, { directory: TUF_KEY_DIRECTORY_NAME, purposes: ["tuf-targets", "tuf-snapshot", "tuf-timestamp"], now });
  const generations = await openKeyGenerations(dataDir, "tuf-root", now);
  const role = (purpose: "tuf-targets" | "tuf-snapshot" | "tuf-timestamp"): TufSigner => {
    const signer = roles.signer(purpose);
    return { signer, key: tufKeyOf(signer), validFrom: roles.createdAt(purpose) };
  };
  return {
    root: generations.map((g: KeyGeneration) => {
      const signer = g.keys.signer("tuf-root");
      return {
        signer,
        key: tufKeyOf(signer),
        validFrom: g.activatedAt ?? g.keys.createdAt("tuf-root"),
        ...(g.retiredAt === undefined ? {} : { validTo: g.retiredAt }),
      };
    }),
    targets: role("tuf-targets"),
    snapshot: role("tuf-snapshot"),
    timestamp: role("tuf-timestamp"),
  };
}
