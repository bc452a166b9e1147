/**
 * The public keys of an external trusted root, in GetKeys' form: each CA and TSA chain (the last
 * certificate is the root, the others intermediates or the TSA leaf) and each log key, with the
 * validity the trusted root gives them. Entries the trusted root does not describe well enough
 * (an unparseable certificate) are skipped: GetKeys still serves the trusted root itself.
 */
import { pem } from "@sigstore/core";
import { createHash, X509Certificate } from "node:crypto";
import type { PublishedKey } from "../trust-root-source.js";

type Json = Record<string, any>;

const spkiPem = (spki: Buffer) => pem.fromDER(spki, "PUBLIC KEY");

function validity(v: Json | undefined): { validFrom: Date; validTo?: Date } {
  const start = typeof v?.["start"] === "string" ? new Date(v["start"]) : new Date(0);
  const end = typeof v?.["end"] === "string" ? new Date(v["end"]) : undefined;
  return { validFrom: Number.isNaN(start.getTime()) ? new Date(0) : start, ...(end && !Number.isNaN(end.getTime()) ? { validTo: end } : {}) };
}

function key(purpose: PublishedKey["purpose"], spki: Buffer, window: { validFrom: Date; validTo?: Date }): PublishedKey {
  return { purpose, keyId: createHash("sha256").update(spki).digest("hex"), publicKeyPem: spkiPem(spki), ...window };
}

function chainKeys(authorities: unknown, leafPurpose: PublishedKey["purpose"], rootPurpose: PublishedKey["purpose"]): PublishedKey[] {
  if (!Array.isArray(authorities)) return [];
  return authorities.flatMap((a: Json) => {
    const certs = a?.["certChain"]?.["certificates"];
    if (!Array.isArray(certs)) return [];
    const window = validity(a["validFor"]);
    return certs.flatMap((c: Json, i: number) => {
      try {
        const spki = new X509Certificate(Buffer.from(String(c["rawBytes"]), "base64")).publicKey.export({ type: "spki", format: "der" });
        return [key(i === certs.length - 1 ? rootPurpose : leafPurpose, spki, window)];
      } catch {
        return [];
      }
    });
  });
}

/** Every key of `trustedRoot`. */
export function publishedKeysOf(trustedRoot: Readonly<Record<string, unknown>>): PublishedKey[] {
  const tlogs = Array.isArray(trustedRoot["tlogs"]) ? (trustedRoot["tlogs"] as Json[]) : [];
  return [
    ...chainKeys(trustedRoot["certificateAuthorities"], "CA_INTERMEDIATE", "CA_ROOT"),
    ...tlogs.flatMap((t) =>
      typeof t?.["publicKey"]?.["rawBytes"] === "string"
        ? [key("TLOG", Buffer.from(t["publicKey"]["rawBytes"], "base64"), validity(t["publicKey"]["validFor"]))]
        : [],
    ),
    ...chainKeys(trustedRoot["timestampAuthorities"], "TSA", "TSA_ROOT"),
  ];
}
