/**
 * The option table and the section types say the same thing: every option lands in the section
 * its table row names, every section holds exactly the keys its type lists, and no option is lost.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, OPTIONS, SECTION_NAMES } from "../../../src/config/config.js";
import { sectionsOf, type ConfigSections } from "../../../src/config/sections.js";

/** The keys each section type lists (kept in step with sections.ts by the compiler below). */
const TYPED_KEYS: { [K in keyof ConfigSections]: readonly (keyof ConfigSections[K])[] } = {
  service: ["dataDir", "mode", "identity", "issuer", "publicUrl", "policyFile", "logLevel"],
  server: [
    "port",
    "host",
    "tlsCert",
    "tlsKey",
    "tlsClientCa",
    "corsOrigins",
    "shutdownGraceMs",
    "workers",
    "headersTimeoutMs",
    "requestTimeoutMs",
    "idleTimeoutMs",
  ],
  limits: ["maxBodyBytes", "defaultDeadlineMs", "verifyWorkers", "verifyBudgetMs", "watchMaxStreams", "watchMaxLifetimeMs"],
  auth: ["auth", "authRules", "authOidcIssuers", "authOidcAudience", "rateLimit", "rateLimitBurst", "insecureAllowAnonymous"],
  embedded: ["logMaxBytes", "oidcIssuers", "compatWrites", "compatWriteRate", "compatWriteQuotaBytes"],
  sigstore: [
    "fulcioUrl",
    "rekorUrl",
    "rekorVersion",
    "rekorReadUrl",
    "checkpointPollMs",
    "tsaUrl",
    "tufMirrorUrl",
    "tufRootFile",
    "trustedRootFile",
    "oidcTokenUrl",
    "oidcClientId",
    "oidcClientSecretFile",
    "oidcScope",
    "oidcTokenFile",
    "upstreamDeadlineMs",
    "tufRefreshMs",
  ],
  certus: ["transformCallbackUrl", "transformCallbackSecretFile", "uploadS3Bucket", "uploadOciRegistry"],
  state: ["stateStore", "databaseUrl", "databaseCaFile", "databasePoolSize"],
};

describe("configuration sections", () => {
  it("each section holds exactly the keys its type lists, as the option table assigns them", () => {
    const sections = sectionsOf({ ...DEFAULT_CONFIG });
    for (const name of SECTION_NAMES) {
      expect(Object.keys(sections[name]).sort(), name).toEqual([...TYPED_KEYS[name]].map(String).sort());
      expect(
        OPTIONS.filter((o) => o.section === name)
          .map((o) => o.key)
          .sort(),
        name,
      ).toEqual([...TYPED_KEYS[name]].map(String).sort());
    }
  });

  it("no option is lost or doubled, and values are carried over", () => {
    const all = SECTION_NAMES.flatMap((n) => [...TYPED_KEYS[n]].map(String));
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual(OPTIONS.map((o) => o.key).sort());
    const sections = sectionsOf({ ...DEFAULT_CONFIG, port: 1234, rekorUrl: "https://rekor.example" });
    expect(sections.server.port).toBe(1234);
    expect(sections.sigstore.rekorUrl).toBe("https://rekor.example");
    expect(Object.isFrozen(sections.auth)).toBe(true);
  });
});
