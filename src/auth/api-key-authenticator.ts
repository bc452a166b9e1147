/**
 * Authenticates `ctk_<id>_<secret>` API keys against the store: the id selects the record, the
 * secret's salted hash is compared in constant time. The caller's scopes are the key's.
 */
import { TrustError } from "../errors.js";
import { parseApiKey, secretMatches } from "./api-key-format.js";
import type { ApiKeyStore } from "../state/file/api-key-store.js";
import type { CallerIdentity } from "./caller.js";

export class ApiKeyAuthenticator {
  constructor(private readonly store: ApiKeyStore) {}

  /** The key's caller; throws `UNAUTHENTICATED` for an unknown, revoked or wrong key (one message for all). */
  authenticate(presented: string): CallerIdentity {
    const parsed = parseApiKey(presented);
    const record = parsed ? this.store.lookup(parsed.id) : undefined;
    if (!parsed || !record || !secretMatches(parsed.secret, record.salt, record.hash)) {
      throw new TrustError("UNAUTHENTICATED", "the API key is not valid (unknown, revoked or mistyped)");
    }
    const id = `apikey:${record.name}#${record.id}`;
    return { id, method: "api-key", scopes: new Set(record.scopes), rateKey: id };
  }
}
