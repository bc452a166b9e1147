/**
 * Domain errors cross the writer–worker channel with their class, code and fields, so a worker's
 * handlers map them to the same RPC codes as one process does; the channel's serialization
 * (`advanced`, i.e. the V8 serializer) is applied here as node:cluster applies it.
 */
import { deserialize, serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { fromWireError, toWireError } from "../../../src/cluster/protocol.js";
import { InvalidArgumentError, NotFoundError, TrustError, UnavailableError } from "../../../src/errors.js";
import { EntryExistsError, LogCannotAnswerError } from "../../../src/sigstore/transparency-log.js";

/** What the other process receives. */
const across = (err: unknown) => fromWireError(deserialize(serialize(toWireError(err))) as ReturnType<typeof toWireError>);

describe("errors across the cluster channel", () => {
  it("keeps the class, code, message and fields of domain errors", () => {
    const exists = across(new EntryExistsError("ab".repeat(32), 41));
    expect(exists).toBeInstanceOf(EntryExistsError);
    expect(exists).toBeInstanceOf(TrustError);
    expect(exists).toMatchObject({ code: "ALREADY_EXISTS", uuid: "ab".repeat(32), logIndex: 41, name: "EntryExistsError" });

    const invalid = across(new InvalidArgumentError("logIndex", "must be at least 0"));
    expect(invalid).toBeInstanceOf(InvalidArgumentError);
    // Not prefixed a second time by the constructor.
    expect(invalid.message).toBe("logIndex: must be at least 0");
    expect(invalid).toMatchObject({ field: "logIndex", code: "INVALID_ARGUMENT" });

    const down = across(new UnavailableError("audit-log", "disk full", { retryAfterMs: 2500 }));
    expect(down).toBeInstanceOf(UnavailableError);
    expect(down).toMatchObject({ component: "audit-log", retryAfterMs: 2500, code: "UNAVAILABLE", message: "audit-log: disk full" });

    expect(across(new NotFoundError("no entry 9"))).toBeInstanceOf(NotFoundError);
    expect(across(new LogCannotAnswerError("search", "no search", "use the index"))).toMatchObject({ capability: "search", instead: "use the index" });
  });

  it("keeps a TypeError (operator mistakes) and turns anything else into a plain Error without its cause", () => {
    expect(across(new TypeError("bad name"))).toBeInstanceOf(TypeError);
    const other = across(new RangeError("boom", { cause: new Error("secret detail") }));
    expect(other).not.toBeInstanceOf(TrustError);
    expect(other.message).toBe("boom");
    expect(other.cause).toBeUndefined();
    expect(across("a string").message).toBe("a string");
  });
});
