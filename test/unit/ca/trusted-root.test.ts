import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toTrustMaterial } from "@sigstore/verify";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildTrustedRoot, serializeTrustedRoot, TRUSTED_ROOT_MEDIA_TYPE } from "../../../src/sigstore/embedded/trusted-root.js";
import { openStack } from "./helpers.js";

const BASE_URL = "http://localhost:8888";

function rootOf(stack: Awaited<ReturnType<typeof openStack>>) {
  return buildTrustedRoot({
    ca: stack.ca,
    tsa: stack.tsa,
    tsaUri: `${BASE_URL}/api/v1/timestamp`,
    tlog: { baseUrl: BASE_URL, publicKeySpki: stack.keys.signer("tlog").publicKeySpki, validFrom: stack.keys.createdAt("tlog") },
  });
}

describe("buildTrustedRoot", () => {
  it("lists the CA chain, the log key and the TSA chain (leaf first), with validFor", async () => {
    const stack = await openStack();
    try {
      const root = rootOf(stack);
      expect(root.mediaType).toBe(TRUSTED_ROOT_MEDIA_TYPE);
      expect(root.ctlogs).toEqual([]);
      const spki = stack.keys.signer("tlog").publicKeySpki;
      expect(root.tlogs[0]?.logId.keyId).toBe(createHash("sha256").update(spki).digest("base64"));
      expect(root.tlogs[0]?.publicKey.keyDetails).toBe("PKIX_ECDSA_P256_SHA_256");
      const start = new Date(root.tlogs[0]!.publicKey.validFor.start).getTime();
      expect(start % 1000).toBe(0);
      expect(start).toBeLessThan(Math.floor(stack.keys.createdAt("tlog").getTime() / 1000) * 1000);
      expect(root.certificateAuthorities[0]?.certChain.certificates.map((c) => c.rawBytes)).toEqual(stack.ca.chainDer().map((d) => d.toString("base64")));
      expect(root.timestampAuthorities[0]?.certChain.certificates[0]?.rawBytes).toBe(Buffer.from(stack.tsa.leaf.rawData).toString("base64"));

      // Parses as Sigstore's message and becomes trust material.
      const material = toTrustMaterial(TrustedRoot.fromJSON(root));
      expect(material.certificateAuthorities).toHaveLength(1);
      expect(material.timestampAuthorities).toHaveLength(1);
      expect(material.tlogs).toHaveLength(1);

      // Byte-identical after a restart on the same data directory.
      const again = await openStack(stack.dataDir);
      expect(serializeTrustedRoot(rootOf(again))).toBe(serializeTrustedRoot(root));
    } finally {
      await stack.cleanup();
    }
  });

  it("lists CT logs with their log ID and validity; a retired one with its end", async () => {
    const stack = await openStack();
    try {
      const spki = stack.keys.signer("ctlog").publicKeySpki;
      const other = stack.keys.signer("tlog").publicKeySpki;
      const end = new Date("2030-01-01T00:00:00.000Z");
      const root = buildTrustedRoot({
        ca: stack.ca,
        tsa: stack.tsa,
        tlog: { baseUrl: BASE_URL, publicKeySpki: stack.keys.signer("tlog").publicKeySpki, validFrom: stack.keys.createdAt("tlog") },
        ctlogs: [
          { baseUrl: `${BASE_URL}/ctlog/1`, publicKeySpki: other, validFrom: stack.keys.createdAt("tlog"), validTo: end },
          { baseUrl: `${BASE_URL}/ctlog/2`, publicKeySpki: spki, validFrom: stack.keys.createdAt("ctlog") },
        ],
      });
      expect(root.ctlogs.map((c) => c.baseUrl)).toEqual([`${BASE_URL}/ctlog/1`, `${BASE_URL}/ctlog/2`]);
      expect(root.ctlogs[1]!.logId.keyId).toBe(createHash("sha256").update(spki).digest("base64"));
      expect(root.ctlogs[0]!.publicKey.validFor.end).toBe(end.toISOString());
      expect(root.ctlogs[1]!.publicKey.validFor.end).toBeUndefined();
      expect(new Date(root.ctlogs[1]!.publicKey.validFor.start).getTime()).toBeLessThan(stack.keys.createdAt("ctlog").getTime());
      expect(toTrustMaterial(TrustedRoot.fromJSON(root)).ctlogs).toHaveLength(2);
    } finally {
      await stack.cleanup();
    }
  });
});
