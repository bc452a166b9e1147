/**
 * The embedded stack's own trust material behind the {@link TrustRootSource} port: the trusted
 * root and signing config built from its keys at start-up (fixed while the server runs; rotation
 * happens while it is stopped) and its TUF repository, whose root version moves when the
 * repository re-signs its root before it expires.
 */
import type { PublishedKey, SigningConfigDocument, TrustedRootDocument, TrustRootSource, TufLocation } from "../trust-root-source.js";
import type { EmbeddedStack } from "./stack.js";

export function embeddedTrustRoot(stack: EmbeddedStack): TrustRootSource {
  const root = stack.trustedRoot as unknown as TrustedRootDocument;
  const signingConfig = stack.signingConfig as unknown as SigningConfigDocument;
  let keys: PublishedKey[] | undefined;
  return {
    current: () => root,
    signingConfig: () => signingConfig,
    tuf: (): TufLocation => ({ url: `${stack.instance.baseUrl}/tuf/`, rootVersion: stack.tuf.rootVersion }),
    publishedKeys: () => (keys ??= stack.publishedKeys()),
    close: () => {},
  };
}
