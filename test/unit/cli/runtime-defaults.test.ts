/**
 * Which runtime settings `serve` re-executes itself with (src/cli/runtime-defaults.ts): the
 * defaults when nothing is set, the operator's own choice kept, nothing for other commands, for a
 * cluster worker, when turned off, or in the process already re-executed.
 */
import { describe, expect, it } from "vitest";
import { missingRuntimeDefaults, SERVE_MALLOC_ARENA_MAX, SERVE_V8_FLAGS } from "../../../src/cli/runtime-defaults.js";

const serve = ["serve", "--port", "0"];

describe("missingRuntimeDefaults", () => {
  it("gives serve the V8 flags and the arena count when nothing is set", () => {
    expect(missingRuntimeDefaults(serve, [], {})).toEqual({ flags: SERVE_V8_FLAGS, env: { MALLOC_ARENA_MAX: SERVE_MALLOC_ARENA_MAX } });
    expect(SERVE_V8_FLAGS).toContain("--heap-growing-percent=60");
  });

  it("keeps a flag the operator gave on node's command line (either spelling) or in NODE_OPTIONS", () => {
    expect(missingRuntimeDefaults(serve, ["--heap_growing_percent=90"], {}).flags).toEqual([]);
    expect(missingRuntimeDefaults(serve, ["--heap-growing-percent=90", "--max-semi-space-size=8"], {}).flags).toEqual([]);
    const withOptions = missingRuntimeDefaults(serve, [], { NODE_OPTIONS: "--max-semi-space-size=8 --heap-growing-percent=20" });
    expect(withOptions.flags).toEqual([]);
    // An unrelated flag does not count as the operator's choice.
    expect(missingRuntimeDefaults(serve, ["--enable-source-maps"], {}).flags).toEqual(SERVE_V8_FLAGS);
  });

  it("keeps an arena setting already in the environment", () => {
    expect(missingRuntimeDefaults(serve, [], { MALLOC_ARENA_MAX: "8" }).env).toEqual({});
    expect(missingRuntimeDefaults(serve, [], { GLIBC_TUNABLES: "glibc.malloc.arena_max=4" }).env).toEqual({});
  });

  it("asks for nothing for other commands, serve --help, a cluster worker, when off, or once re-executed", () => {
    const none = { flags: [], env: {} };
    expect(missingRuntimeDefaults(["sign", "--digest", "sha256:00"], [], {})).toEqual(none);
    expect(missingRuntimeDefaults([], [], {})).toEqual(none);
    expect(missingRuntimeDefaults(["serve", "--help"], [], {})).toEqual(none);
    expect(missingRuntimeDefaults(serve, [], { NODE_UNIQUE_ID: "1" })).toEqual(none);
    expect(missingRuntimeDefaults(serve, [], { CERTUS_TRUST_RUNTIME_DEFAULTS: "off" })).toEqual(none);
    expect(missingRuntimeDefaults(serve, [], { CERTUS_TRUST_REEXECUTED: "1" })).toEqual(none);
  });
});
