/**
 * The web console's entry point (bundled by scripts/build-ui.mjs into dist/ui): one client over
 * Connect JSON to the page's own origin (with the tab's API key, if one is set), and the panels.
 */
import { createTrustClient } from "@certus/trust-sdk/web";
import { startApiKeyForm, storedApiKey } from "./api-key.js";
import { startCheckpointPanel } from "./checkpoint-panel.js";
import { startSearchPanel } from "./search-panel.js";
import { startVerifyPanel } from "./verify-panel.js";

const apiKey = storedApiKey();
const client = createTrustClient({ protocol: "connect", encoding: "json", ...(apiKey ? { apiKey } : {}) });
startApiKeyForm();
const stop = new AbortController();
window.addEventListener("pagehide", () => stop.abort());
startCheckpointPanel(client, stop.signal);
startSearchPanel(client);
startVerifyPanel(client);
