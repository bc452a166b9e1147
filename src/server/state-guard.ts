/**
 * Refuses the RPCs that sign (`Sign`, `VerifyAndPermitUpload`, `LegacySign`: those needing the
 * `sign` scope) with `unavailable` and a retry hint while the state store reports a component
 * not ready (the PostgreSQL database down or read-only), before anything is signed.
 *
 * Why: a signing RPC writes the transparency log first and the audit event after it; with the
 * database known to be down, signing would put an entry in the log whose decision cannot be
 * recorded, and the caller, told `unavailable`, would sign again. Refusing up front keeps the log
 * and the audit trail in step. The store's readiness is updated by every call and by its probe
 * (`state/postgres/database.ts`), so the guard lets calls through again within one probe interval
 * of the database's return, with no restart. (A database lost between this check and the audit
 * append still fails that one call as `unavailable`, after its log entry.)
 */
import type { Interceptor } from "@connectrpc/connect";
import { requiredScope } from "../auth/scopes.js";
import { UnavailableError } from "../errors.js";
import type { StateStore } from "../state/state-store.js";

/** Seconds a refused caller is told to wait. */
const RETRY_AFTER_MS = 2000;

export function stateGuardInterceptor(state: StateStore): Interceptor {
  return (next) => async (req) => {
    if (state.readiness && requiredScope(req.service.typeName, req.method.name) === "sign") {
      const down = state.readiness().find((c) => !c.ready);
      if (down)
        throw new UnavailableError(down.component, "the service's state store cannot record decisions now; retry later", { retryAfterMs: RETRY_AFTER_MS });
    }
    return next(req);
  };
}
