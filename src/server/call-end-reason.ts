/**
 * Connect ends every call by aborting the call's context signal with no reason
 * (`context.abort()`, so that work tied to the call stops), and Node answers a reasonless abort by
 * building a new DOMException with a stack trace: 2-4 % of the main thread under Sign and Verify
 * load (issue 20). This request gate, which Connect runs with the context before the call, gives
 * those aborts one pre-built reason of the same kind instead, an `AbortError` DOMException with
 * Node's message: whoever reads `signal.reason` sees what it saw before (only the stack differs).
 * An abort with a reason of its own (a deadline, a client's reset, a write error) keeps it.
 */
import type { HandlerContext } from "@connectrpc/connect";

/** The reason of every reasonless end of a call: what `AbortController.abort()` would make. */
export const CALL_ENDED = new DOMException("This operation was aborted", "AbortError");

/** Connect's handler context as Connect builds it: it can be aborted (not part of the public type). */
interface AbortableContext extends HandlerContext {
  abort(reason?: unknown): void;
}

function isAbortable(context: HandlerContext): context is AbortableContext {
  return typeof (context as Partial<AbortableContext>).abort === "function";
}

/** The request gate (`requestGate` of Connect's router options). */
export function presetCallEndReason(context: HandlerContext): void {
  if (!isAbortable(context)) return;
  const abort = context.abort.bind(context);
  context.abort = (reason?: unknown) => {
    abort(reason === undefined ? CALL_ENDED : reason);
  };
}
