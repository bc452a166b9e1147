/**
 * The state-store options resolve through the one config table (flag > env > YAML > default)
 * and are checked together.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, resolveConfig } from "../../../src/config/config.js";
import { tempDir } from "../../helpers/server.js";

const URL = "postgres://certus@db.internal:5432/certus?sslmode=verify-full";

describe("stateStore configuration", () => {
  it("defaults to files, and takes postgres with a URL from a flag, the environment or the YAML file", () => {
    expect(resolveConfig({}, {}).stateStore).toBe("file");
    expect(resolveConfig({ "state-store": "postgres", "database-url": URL }, {})).toMatchObject({
      stateStore: "postgres",
      databaseUrl: URL,
      databasePoolSize: 10,
    });
    expect(resolveConfig({}, { CERTUS_TRUST_STATE_STORE: "postgres", CERTUS_TRUST_DATABASE_URL: URL, CERTUS_TRUST_DATABASE_POOL_SIZE: "4" })).toMatchObject({
      stateStore: "postgres",
      databaseUrl: URL,
      databasePoolSize: 4,
    });
    const file = join(tempDir(), "config.yaml");
    writeFileSync(file, `stateStore: postgres\ndatabaseCaFile: /etc/db-ca.pem\n`);
    expect(resolveConfig({ config: file }, { CERTUS_TRUST_DATABASE_URL: URL })).toMatchObject({
      stateStore: "postgres",
      databaseUrl: URL,
      databaseCaFile: "/etc/db-ca.pem",
    });
  });

  it("refuses postgres without a URL, a URL that is not postgres://, database options with files, and an unknown store", () => {
    expect(() => resolveConfig({ "state-store": "postgres" }, {})).toThrow(/databaseUrl: required with stateStore "postgres"/);
    expect(() => resolveConfig({ "state-store": "postgres", "database-url": "mysql://u:secret@db/x" }, {})).toThrow(ConfigError);
    try {
      resolveConfig({ "state-store": "postgres", "database-url": "mysql://u:secret@db/x" }, {});
    } catch (err) {
      expect((err as Error).message).not.toContain("secret");
    }
    expect(() => resolveConfig({ "database-url": URL }, {})).toThrow(/databaseUrl: only used with stateStore "postgres"/);
    expect(() => resolveConfig({ "state-store": "sqlite" }, {})).toThrow(/expected one of file, postgres/);
  });
});
