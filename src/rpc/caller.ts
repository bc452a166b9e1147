/**
 * The caller's identity as the RPC handlers see it: a string naming who called, for statements and
 * audit events. Authentication (`auth/interceptor.ts`) puts the caller into the context values;
 * handlers read it through {@link CallerOf} so that they depend on this one function, not on auth.
 */
import type { HandlerContext } from "@connectrpc/connect";
import { callerIdOf } from "../auth/caller.js";

/** Who is calling, for statements and audit events (authentication fills it in). */
export type CallerOf = (ctx: HandlerContext) => string;

/** The caller named by the auth interceptor (`anonymous` when authentication is off). */
export const callerOf: CallerOf = (ctx) => callerIdOf(ctx.values);
