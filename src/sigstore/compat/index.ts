/** Sigstore-compatible endpoints (Fulcio v2, Rekor v1, TSA) over the embedded stack: re-exports only. */
export { SIGNING_CONFIG_PATH, createSigstoreCompatPaths, type CompatOptions } from "./router.js";
