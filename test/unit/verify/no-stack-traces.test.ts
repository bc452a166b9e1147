import { describe, expect, it } from "vitest";
import { withoutStackTraces } from "../../../src/sigstore/verify/no-stack-traces.js";

describe("withoutStackTraces", () => {
  it("captures no stack inside and restores the limit after a return or a throw", () => {
    const before = Error.stackTraceLimit;
    expect(before).toBeGreaterThan(0);
    expect(withoutStackTraces(() => new Error("inside").stack)).toBe("Error: inside");
    expect(Error.stackTraceLimit).toBe(before);
    expect(() =>
      withoutStackTraces(() => {
        throw new TypeError("thrown inside");
      }),
    ).toThrow("thrown inside");
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error("outside").stack).toMatch(/\n\s+at /);
  });
});
