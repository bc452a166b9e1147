/**
 * `certus-trust apikey create|list|revoke`: manages the API keys in the data directory (run on
 * the server's host; a running server picks changes up within a second), or in the PostgreSQL
 * state store with `--database-url` (every replica picks them up within a second, see
 * `state/postgres/api-key-records.ts`). The key is printed once, on create; only its salted hash
 * is stored.
 */
import { parseArgs } from "node:util";
import { DEFAULT_CONFIG } from "../config/config.js";
import { ApiKeyStore } from "../state/file/api-key-store.js";
import { parseScopes, SCOPES } from "../auth/scopes.js";
import type { ApiKeyRecords } from "../state/state-store.js";
import { UsageError, outputOf } from "./client.js";
import { DATABASE_ARG_OPTIONS, DATABASE_USAGE, databaseOptionsOf, withDatabase } from "./database-options.js";

export const APIKEY_USAGE = `Usage: certus-trust apikey <create|list|revoke> [options]

Manages API keys in the data directory (apikeys.json, 0600) or, with --database-url, in the
PostgreSQL state store; only salted hashes are stored. Running servers see changes within 1 s.
  create --name <name> --scopes <list>   make a key; prints it once (stdout), keep it secret
                                         scopes: ${SCOPES.join(", ")} (admin implies all)
  list                                   id, name, scopes, created, revoked (no secrets)
  revoke <id>                            stop accepting a key (kept in the list as revoked)
  --data-dir <dir>         the server's data directory (default ${DEFAULT_CONFIG.dataDir}; env CERTUS_TRUST_DATA_DIR)
${DATABASE_USAGE}
  --output json|text       output format (default text)`;

export function apikeyCommand(argv: string[]): number | Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...DATABASE_ARG_OPTIONS,
      name: { type: "string" },
      scopes: { type: "string" },
      "data-dir": { type: "string" },
      output: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    console.log(APIKEY_USAGE);
    return 0;
  }
  const output = outputOf(values);
  const database = databaseOptionsOf(values);
  if (database && values["data-dir"] !== undefined) throw new UsageError("give --data-dir or --database-url, not both");
  if (database) return withDatabase("apikey", database, false, (store) => manage(store.apiKeys, positionals, values, output));
  const file = ApiKeyStore.open(values["data-dir"] ?? process.env["CERTUS_TRUST_DATA_DIR"] ?? DEFAULT_CONFIG.dataDir);
  const records: Omit<ApiKeyRecords, "lookup"> = {
    // `manage` awaits each call, so a throw here rejects its promise as an `async` method would.
    create: (name, scopes) => Promise.resolve(file.create(name, parseScopes(scopes))),
    revoke: (id) => Promise.resolve(file.revoke(id)),
    list: () => Promise.resolve(file.list()),
  };
  return manage(records, positionals, values, output);
}

async function manage(
  store: Omit<ApiKeyRecords, "lookup">,
  positionals: string[],
  values: { name?: string | undefined; scopes?: string | undefined },
  output: "json" | "text",
): Promise<number> {
  const [sub, ...rest] = positionals;
  switch (sub) {
    case "create": {
      if (!values.name) throw new UsageError("--name is required");
      if (!values.scopes) throw new UsageError(`--scopes is required (comma list of ${SCOPES.join(", ")})`);
      let scopes;
      try {
        scopes = parseScopes(values.scopes);
        const { record, key } = await store.create(values.name, scopes);
        if (output === "json") console.log(JSON.stringify({ id: record.id, name: record.name, scopes: record.scopes, createdAt: record.createdAt, key }));
        else {
          console.error(`created API key ${record.id} "${record.name}" with scopes ${record.scopes.join(",")}; it is shown once:`);
          console.log(key);
        }
      } catch (err) {
        if (err instanceof TypeError) throw new UsageError(err.message);
        throw err;
      }
      return 0;
    }
    case "list": {
      const keys = (await store.list()).map(({ salt: _s, hash: _h, ...k }) => k);
      if (output === "json") console.log(JSON.stringify(keys, null, 2));
      else if (keys.length === 0) console.log("no API keys");
      else
        for (const k of keys)
          console.log(`${k.id}  ${k.name.padEnd(20)} ${k.scopes.join(",").padEnd(24)} created ${k.createdAt}${k.revokedAt ? `  REVOKED ${k.revokedAt}` : ""}`);
      return 0;
    }
    case "revoke": {
      const id = rest[0];
      if (!id) throw new UsageError("give the id of the key to revoke (see: certus-trust apikey list)");
      if (!(await store.revoke(id))) {
        console.error(`certus-trust apikey: no key with id ${id}`);
        return 1;
      }
      console.error(`revoked API key ${id}`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? "give a subcommand: create, list or revoke" : `unknown subcommand "${sub}"; expected create, list or revoke`);
  }
}
