export * from "./audit-error.js";
export * from "./audit-state.js";
export * from "./auditor.js";
export * from "./log-source.js";
export * from "./merkle-verify.js";
