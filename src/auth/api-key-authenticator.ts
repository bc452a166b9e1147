/**
 * Authenticates `ctk_<id>_<secret>` API keys against the store: the id selects the record, the
 * secret's salted hash is compared in constant time. The caller's scopes are the key's.
 */
import { TrustError } from "../errors.js";
import { parseApiKey, secretMatches } from "./api-key-format.js";
import type { ApiKeyRecords } from "../state/state-store.js";
import type { CallerIdentity } from "./caller.js";
import { parseScopes } from "./scopes.js";

export class ApiKeyAuthenticator {
  constructor(private readonly store: ApiKeyRecords) {}

  /** The key's caller; throws `UNAUTHENTICATED` for an unknown, revoked or wrong key (one message for all). */
  async authenticate(presented: string): Promise<CallerIdentity> {
    const parsed = parseApiKey(presented);
    const record = parsed ? await this.store.lookup(parsed.id) : undefined;
    if (!parsed || !record || !secretMatches(parsed.secret, record.salt, record.hash)) {
      throw new TrustError("UNAUTHENTICATED", "the API key is not valid (unknown, revoked or mistyped)");
    }
    const id = `apikey:${record.name}#${record.id}`;
    return { id, method: "api-key", scopes: new Set(parseScopes(record.scopes)), rateKey: id };
  }
}
