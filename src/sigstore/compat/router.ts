/**
 * The Sigstore-compatible endpoints (Fulcio v2, Rekor v1, TSA, the CT logs' RFC 6962 API) as one
 * `PathHandler` for the one-port HTTP handler, so stock Sigstore clients (sigstore-js, cosign,
 * sigstore-go) can use this service as their private Sigstore instance.
 *
 * Every refusal has the upstream service's error shape and status; nothing a client sends can
 * produce a 500 (unexpected failures are logged with their cause and answered with a generic 500).
 */
import type { PathHandler } from "../../http/types.js";
import type { Logger } from "../../logger.js";
import { TrustError } from "../../errors.js";
import type { OidcTokenVerifier } from "../../oidc/index.js";
import type { EmbeddedStack } from "../embedded/stack.js";
import { createCtRoutes, isCtPath } from "./ct.js";
import { createFulcioRoutes } from "./fulcio.js";
import { CompatHttpError, sendFulcioError, sendJson, sendRekorError, type Req, type Res } from "./http.js";
import { createRekorRoutes, rekorStatusOf } from "./rekor.js";
import { servedSigningConfig } from "./served-signing-config.js";
import { createTsaRoutes } from "./tsa.js";
import type { AdmittedWriter, CompatAccess } from "./access.js";
import type { LoggedEntry } from "../embedded/tlog/entry.js";

/**
 * Where the stack's signing config (also a TUF target) is served as plain JSON, for clients that
 * take a signing-config file (cosign v3 `--signing-config`, sigstore-go).
 */
export const SIGNING_CONFIG_PATH = "/api/v1/signing-config";

export interface CompatOptions {
  stack: EmbeddedStack;
  /** Verifies the identity tokens sent to Fulcio; with no issuers, Fulcio refuses (403). */
  tokenVerifier: OidcTokenVerifier;
  /**
   * The URL clients reach this service at; the served signing config names it (the stack's own
   * base URL is a stable name that need not resolve when no public URL is configured).
   */
  serviceUrl: string;
  /** Largest Rekor request body, in bytes. */
  maxBodyBytes: number;
  /** Who may read the log and append to it (see access.ts). */
  access: CompatAccess;
  /** Told of every entry appended through the Rekor endpoint (audit). */
  onWrite?: (entry: LoggedEntry, writer: AdmittedWriter) => void;
  log: Logger;
}

/** Builds the handler; it answers (true) only for the paths it owns. */
export function createSigstoreCompatPaths(opts: CompatOptions): PathHandler {
  const fulcio = createFulcioRoutes(opts.stack, opts.tokenVerifier);
  const rekor = createRekorRoutes(opts.stack, {
    maxBodyBytes: opts.maxBodyBytes,
    access: opts.access,
    onWrite: (entry, writer) => {
      // Every append is on record: who, how admitted, where it landed (never a credential).
      opts.log.info(
        {
          writer: writer.id,
          admittedVia: writer.via,
          logIndex: entry.logIndex,
          uuid: entry.uuid,
          kind: entry.kindVersion.kind,
          bytes: entry.canonicalizedBody.length,
        },
        "rekor entry appended",
      );
      opts.onWrite?.(entry, writer);
    },
  });
  const tsa = createTsaRoutes(opts.stack);
  const ct = createCtRoutes(opts.stack);
  // The stack's signing config, pointing at the reachable URL, with the configured issuers as its OIDC services.
  const signingConfig = servedSigningConfig(
    opts.stack.signingConfig,
    opts.stack.instance.baseUrl,
    opts.serviceUrl,
    opts.tokenVerifier.issuers.map((i) => i.issuer),
  );

  return async (req: Req, res: Res) => {
    const [path = ""] = (req.url ?? "").split("?");
    const isFulcio = path.startsWith("/api/v2/");
    const isCt = isCtPath(path);
    if (!isFulcio && !isCt && !path.startsWith("/api/v1/")) return false;
    const sendError = isFulcio ? sendFulcioError : sendRekorError;
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (path === SIGNING_CONFIG_PATH) {
        sendJson(res, 200, signingConfig);
        return true;
      }
      const handled = isCt ? ct(req, res, url) : isFulcio ? await fulcio(req, res, url) : (await tsa(req, res, url)) || (await rekor(req, res, url));
      if (!handled) sendError(res, 404, `no route for ${req.method} ${path}`);
      return true;
    } catch (err) {
      if (res.headersSent) {
        res.destroy(err instanceof Error ? err : undefined);
        return true;
      }
      if (err instanceof CompatHttpError) {
        sendError(res, err.status, err.message, err.headers);
      } else if (err instanceof TrustError) {
        const status = rekorStatusOf(err);
        if (status >= 500) opts.log.error({ err, path }, "sigstore-compat request failed");
        sendError(res, status, status === 500 ? "internal error" : err.message, status === 503 ? { "retry-after": "1" } : {});
      } else {
        opts.log.error({ err, path }, "sigstore-compat request failed");
        sendError(res, 500, "internal error");
      }
      return true;
    }
  };
}
