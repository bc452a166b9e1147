/**
 * Where each CT log generation lives: its database under the data directory and its URL under
 * the instance's base URL. Generation n is served at `<base>/ctlog/<n>/ct/v1/…` (RFC 6962 puts
 * the API under `<log URL>/ct/v1/`), and the current generation also at `<base>/ct/v1/…`.
 * Both are fixed by the generation number, so the trusted root does not change when a rotation
 * adds a later one.
 */
import path from "node:path";

/** Directory (under the data directory) holding one directory per CT log generation. */
export const CT_LOG_DIRECTORY_NAME = "ctlog";
/** Path segment of the per-generation URLs. */
export const CT_LOG_URL_SEGMENT = "/ctlog/";

/** The database directory of CT log generation `generation`. */
export function ctLogDirectory(dataDir: string, generation: number): string {
  return path.join(dataDir, CT_LOG_DIRECTORY_NAME, String(generation));
}

/** The URL of CT log generation `generation` (its `baseUrl` in the trusted root). */
export function ctLogUrl(baseUrl: string, generation: number): string {
  return `${baseUrl.replace(/\/+$/, "")}${CT_LOG_URL_SEGMENT}${generation}`;
}
