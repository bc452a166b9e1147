/**
 * The statement summary Verify reports, read from hostile DSSE payloads: in-toto statements only,
 * never a thrown parse error, and the predicate-type check's failure.
 */
import { describe, expect, it } from "vitest";
import { MAX_SUMMARIZED_PAYLOAD_BYTES, predicateTypeFailure, statementOf } from "../../../src/service/statement-summary.js";

const IN_TOTO = "application/vnd.in-toto+json";
const env = (payload: string | Uint8Array, payloadType = IN_TOTO) => ({ payloadType, payload: typeof payload === "string" ? Buffer.from(payload) : payload });

describe("statementOf", () => {
  it("reads the predicate type and subjects, keeping only string digests", () => {
    const s = statementOf(
      env(
        JSON.stringify({
          _type: "https://in-toto.io/Statement/v1",
          predicateType: "https://x.example/t",
          subject: [{ name: "a", digest: { sha256: "ab", bad: 3 } }, "junk", { digest: null }],
        }),
      ),
    );
    expect(s).toEqual({
      predicateType: "https://x.example/t",
      subjects: [
        { name: "a", digest: { sha256: "ab" } },
        { name: "", digest: {} },
      ],
    });
  });

  it.each([
    ["another payload type", env('{"predicateType":"t"}', "text/plain")],
    ["not JSON", env("{not json")],
    ["not an object", env("42")],
    ["no predicate type", env('{"subject":[]}')],
    ["too large", env(new Uint8Array(MAX_SUMMARIZED_PAYLOAD_BYTES + 1))],
    ["invalid UTF-8", env(new Uint8Array([0xff, 0xfe, 0x7b]))],
  ])("is undefined for %s", (_what, envelope) => {
    expect(statementOf(envelope)).toBeUndefined();
  });
});

describe("predicateTypeFailure", () => {
  const statement = { predicateType: "https://slsa.dev/provenance/v1", subjects: [] };
  it("passes when nothing is required or the type matches", () => {
    expect(predicateTypeFailure("", undefined)).toBeUndefined();
    expect(predicateTypeFailure("https://slsa.dev/provenance/v1", statement)).toBeUndefined();
  });
  it("fails with PREDICATE_TYPE_MISMATCH for another type or no statement", () => {
    expect(predicateTypeFailure("https://x.example/t", statement)?.code).toBe("PREDICATE_TYPE_MISMATCH");
    expect(predicateTypeFailure("https://x.example/t", undefined)?.message).toContain("no in-toto DSSE payload");
  });
});
