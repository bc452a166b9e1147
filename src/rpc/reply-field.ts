/**
 * Reading a reply of this service as a client (the CLI, the MCP tools): a field the service always
 * sets. Its absence means a broken or mismatched service, so the caller is told that plainly
 * rather than handed an `undefined` to trip over later.
 */

/** The field's value; throws naming the field when the reply lacks it. */
export function replyField<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the service's reply has no ${what}`);
  return value;
}
