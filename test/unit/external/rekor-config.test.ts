/**
 * Rekor request/response forms of the external mode (v1 and v2) and the `mode: sigstore`
 * configuration keys checked together.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, resolveConfig } from "../../../src/config/config.js";
import { createEntryRequestV2, fromRekorV1Entry, fromRekorV2Entry } from "../../../src/sigstore/external/rekor.js";
import type { WireJson } from "../../helpers/wire-json.js";

const CERT = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";

describe("Rekor v2 requests and entries", () => {
  it("DSSE goes to Rekor v2 as a hashedrekord over SHA-256 of the PAE", () => {
    const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
    const req = createEntryRequestV2(
      {
        $case: "dsseEnvelope",
        dsseEnvelope: { payload, payloadType: "application/vnd.in-toto+json", signatures: [{ sig: Buffer.from([1, 2, 3]), keyid: "" }] },
      },
      CERT,
    ) as WireJson;
    const pae = Buffer.concat([Buffer.from("DSSEv1 28 application/vnd.in-toto+json "), Buffer.from(`${payload.length} `), payload]);
    expect(req.hashedRekordRequestV002.digest).toBe(createHash("sha256").update(pae).digest("base64"));
    expect(req.hashedRekordRequestV002.signature.content).toBe("AQID");
    expect(req.hashedRekordRequestV002.signature.verifier.x509Certificate.rawBytes).toBe("AAEC");
  });

  it("a v2 entry needs its inclusion proof and checkpoint; it has no integrated time and is named by its leaf hash", () => {
    const entry = {
      logIndex: "7",
      logId: { keyId: Buffer.alloc(32, 1).toString("base64") },
      kindVersion: { kind: "hashedrekord", version: "0.0.2" },
      integratedTime: "0",
      inclusionProof: {
        logIndex: "7",
        rootHash: Buffer.alloc(32).toString("base64"),
        treeSize: "8",
        hashes: [],
        checkpoint: { envelope: "log.example\n8\nAAAA\n\n— log.example AAAA\n" },
      },
      canonicalizedBody: Buffer.from("{}").toString("base64"),
    };
    // (Changed by issue #15: Rekor v2 has no UUIDs; the RFC 6962 leaf hash names the entry, as a v1 UUID does.)
    const leaf = createHash("sha256")
      .update(Buffer.from([0]))
      .update("{}")
      .digest("hex");
    expect(fromRekorV2Entry(entry).ref).toEqual({ logIndex: 7, uuid: leaf, integratedTime: 0 });
    expect(() => fromRekorV2Entry({ ...entry, inclusionProof: { ...entry.inclusionProof, checkpoint: undefined } })).toThrow(/checkpoint/);
  });

  it("a v1 answer without an inclusion proof is not accepted (no bundle without a usable entry)", () => {
    const body = Buffer.from(JSON.stringify({ kind: "hashedrekord", apiVersion: "0.0.1" })).toString("base64");
    expect(() => fromRekorV1Entry({ ab: { body, logIndex: 1, integratedTime: 1, logID: "00", verification: { signedEntryTimestamp: "AA==" } } })).toThrow(
      /inclusion proof/,
    );
    expect(() => fromRekorV1Entry("garbage")).toThrow();
  });
});

describe("mode sigstore configuration", () => {
  const base = {
    mode: "sigstore",
    "fulcio-url": "https://fulcio.example",
    "rekor-url": "https://rekor.example",
    "tuf-mirror-url": "https://tuf.example",
    "tuf-root-file": "/etc/certus/root.json",
    "oidc-token-file": "/var/run/secrets/tokens/certus",
    issuer: "https://kubernetes.default.svc",
  };
  it("accepts a complete configuration", () => {
    const c = resolveConfig(base, {});
    expect(c.mode).toBe("sigstore");
    expect(c.rekorVersion).toBe(1);
  });
  it("refuses incomplete or contradictory ones, naming the key", () => {
    const bad = (flags: Record<string, string | undefined>, key: RegExp) => expect(() => resolveConfig({ ...base, ...flags }, {})).toThrow(key);
    bad({ "fulcio-url": undefined }, /fulcioUrl: required/);
    bad({ "rekor-version": "2" }, /tsaUrl: required .*Rekor v2/);
    bad({ "rekor-url": "http://rekor.example" }, /rekorUrl: .* not an https URL/);
    bad({ "trusted-root-file": "/x.json" }, /trustedRootFile/);
    bad({ "tuf-root-file": undefined }, /tufMirrorUrl and tufRootFile/);
    bad({ "oidc-token-url": "https://idp.example/token" }, /oidcTokenUrl, oidcClientId and oidcClientSecretFile/);
    bad({ "oidc-token-file": undefined }, /oidcTokenFile/);
    bad({ issuer: undefined }, /issuer: required/);
    expect(() => resolveConfig({ "fulcio-url": "https://fulcio.example" }, {})).toThrow(ConfigError);
  });
});
