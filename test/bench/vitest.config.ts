import { defineConfig } from "vitest/config";

/** Benchmarks that need the real Sigstore servers; not part of `npm test` (run `npm run bench:real-sigstore`). */
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/bench/**/*.bench.ts"],
    pool: "forks",
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
