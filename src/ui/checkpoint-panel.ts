/**
 * The live log header: follows WatchCheckpoints (Connect server streaming over fetch) and shows
 * the log size, root hash and signed checkpoint; reconnects with backoff when the stream ends.
 */
import type { TrustClient } from "@certus/trust-sdk/web";
import { byId } from "./dom.js";
import { toHex } from "./encoding.js";

/** First and largest wait before reconnecting, in milliseconds. */
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

export function startCheckpointPanel(client: TrustClient, signal: AbortSignal): void {
  const size = byId("log-size");
  const root = byId("root-hash");
  const updated = byId("log-updated");
  const note = byId("checkpoint");
  const status = byId("stream-status");
  // A call, not `signal.aborted`: the compiler would keep the loop condition's narrowing across awaits.
  const stopped = () => signal.aborted;
  void (async () => {
    let wait = RECONNECT_MIN_MS;
    while (!stopped()) {
      try {
        status.textContent = "connecting…";
        for await (const cp of client.watchCheckpoints({}, { signal })) {
          wait = RECONNECT_MIN_MS;
          size.textContent = cp.treeSize.toString();
          root.textContent = toHex(cp.rootHash);
          updated.textContent = new Date().toLocaleTimeString();
          note.textContent = cp.checkpoint;
          status.textContent = "live: updates as the log grows";
        }
        status.textContent = "the server ended the stream; reconnecting…";
      } catch (err) {
        if (stopped()) return;
        status.textContent = `disconnected (${err instanceof Error ? err.message : String(err)}); retrying in ${Math.round(wait / 1000)} s`;
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, RECONNECT_MAX_MS);
    }
  })();
}
