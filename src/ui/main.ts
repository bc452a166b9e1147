/**
 * The web console's entry point (bundled by scripts/build-ui.mjs into dist/ui): one client over
 * Connect JSON to the page's own origin, and the three panels.
 */
import { createTrustClient } from "@certus/trust-sdk/web";
import { startCheckpointPanel } from "./checkpoint-panel.js";
import { startSearchPanel } from "./search-panel.js";
import { startVerifyPanel } from "./verify-panel.js";

const client = createTrustClient({ protocol: "connect", encoding: "json" });
const stop = new AbortController();
window.addEventListener("pagehide", () => stop.abort());
startCheckpointPanel(client, stop.signal);
startSearchPanel(client);
startVerifyPanel(client);
