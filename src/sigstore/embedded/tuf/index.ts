export * from "./http.js";
export * from "./metadata-files.js";
export * from "./policy.js";
export * from "./repository.js";
export * from "./role-keys.js";
export * from "./sign.js";
export * from "./signing-config.js";
export * from "./writer-lock.js";
