/**
 * Structured logging with pino. Secrets never reach a log line: the redaction list below covers
 * every field name that could carry a credential or key, and code never logs key objects (they
 * render as "[redacted key]" anyway, see `sigstore/keys/`).
 */
import { pino, type Logger } from "pino";

export type { Logger };

/** Field paths removed from every log line. */
export const REDACTED_PATHS: readonly string[] = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "apiKey",
  "*.apiKey",
  "token",
  "*.token",
  "privateKey",
  "*.privateKey",
  "secret",
  "*.secret",
  "password",
  "*.password",
];

/** Creates the process logger; `destination` defaults to stdout (tests pass a stream). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "certus-trust" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
    },
    destination,
  );
}
