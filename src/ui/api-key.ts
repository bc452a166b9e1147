/**
 * The API key the console sends, for services that run with `--auth`. Kept in sessionStorage (this
 * tab only, gone when it closes), never in a cookie or localStorage, and sent as `x-api-key` by the
 * SDK. Setting or clearing it reloads the page so every panel uses the same credentials.
 */
import { byId } from "./dom.js";

const STORAGE_KEY = "certus-trust.api-key";

/** The key entered in this tab, if any. */
export function storedApiKey(): string | undefined {
  const key = window.sessionStorage.getItem(STORAGE_KEY);
  return key === null || key === "" ? undefined : key;
}

export function startApiKeyForm(): void {
  const form = byId("key-form", HTMLFormElement);
  const input = byId("api-key", HTMLInputElement);
  const status = byId("key-status");
  status.textContent = storedApiKey() ? "an API key is set for this tab" : "no API key (enough when the service runs without --auth)";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key === "") window.sessionStorage.removeItem(STORAGE_KEY);
    else window.sessionStorage.setItem(STORAGE_KEY, key);
    input.value = "";
    window.location.reload();
  });
}
