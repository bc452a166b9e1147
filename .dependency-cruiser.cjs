// The layering of src/: which room may import which. This is the machine-checked form of the
// table "Rooms" in docs/architecture.md; the two say the same thing, so a change to one is a
// change to the other. `npm run lint:deps` runs it (part of `npm run lint` and `npm test`).
//
// A room is a directory of src/ (or a file at its top). Every import from one src/ module to
// another must be allowed by a row of ROOMS below (imports inside one room are always allowed);
// packages and Node.js built-ins are not this check's business. The named `forbidden` rules
// repeat the rules that hold across the table so that a violation is reported under their name.

/** Floor: imported by everyone, imports nothing in src/. */
const FLOOR = ["src/errors.ts", "src/logger.ts"];
/** The Sigstore ports and mode-neutral helpers: the top-level files of src/sigstore/. */
const SIGSTORE_PORTS = ["src/sigstore/[^/]+\\.ts"];
/** Sigstore libraries usable by any room that deals with Sigstore material. */
const SIGSTORE_LIBS = ["src/sigstore/verify/", "src/sigstore/keys/", "src/sigstore/rekor/"];
const SIGSTORE = [...SIGSTORE_PORTS, ...SIGSTORE_LIBS];
// The StateStore adapters (files, PostgreSQL): the port, the audit rules they share, key formats.
const STATE_ADAPTER = [
  ...FLOOR,
  "src/fs/",
  "src/state/state-store\\.ts",
  "src/state/audit-(chain|line)\\.ts",
  "src/auth/api-key-format\\.ts",
  "src/auth/scopes\\.ts",
];
/** Adapters: only the composition root (server/), cli/ and sigstore/compat/ pick one. */
const ADAPTERS = ["src/sigstore/embedded/", "src/sigstore/external/", "src/state/file/", "src/state/postgres/"];

/**
 * Room → what it may import besides itself and the packages. Keys and values are path prefixes
 * under the repository root (regular expressions, anchored at the start).
 */
const ROOMS = {
  "src/errors\\.ts": [],
  "src/logger\\.ts": [],
  "src/fs/": [...FLOOR],
  "src/http/": [...FLOOR],
  "src/oidc/": [...FLOOR],
  "src/config/": [...FLOOR, "src/oidc/"],
  "src/state/state-store\\.ts": [...FLOOR],
  // The audit hash chain and the audit log line, one rule for every state adapter (files and PostgreSQL).
  "src/state/audit-(chain|line)\\.ts": [...FLOOR, "src/state/state-store\\.ts"],
  "src/sigstore/[^/]+\\.ts": [...FLOOR, ...SIGSTORE],
  "src/sigstore/(verify|keys|rekor)/": [...FLOOR, "src/fs/", ...SIGSTORE_LIBS],
  "src/sigstore/audit/": [...FLOOR, "src/fs/", ...SIGSTORE],
  "src/sigstore/embedded/": [...FLOOR, "src/fs/", "src/http/", ...SIGSTORE],
  // The upstream log adapters check proofs with the auditor's Merkle checks and record what the
  // service writes to Rekor v2 (which has no search) in the state store's entry index (its port).
  "src/sigstore/external/": [...FLOOR, "src/fs/", ...SIGSTORE, "src/sigstore/audit/", "src/state/state-store\\.ts"],
  // The Sigstore-compatible endpoints admit log writes and reads with the RPCs' credentials.
  "src/sigstore/compat/": [...FLOOR, "src/http/", "src/oidc/", "src/auth/", ...SIGSTORE, "src/sigstore/embedded/"],
  "src/state/file/": STATE_ADAPTER,
  "src/state/postgres/": STATE_ADAPTER,
  "src/policy/": [...FLOOR, "src/fs/", "src/sigstore/verify/", "src/sigstore/keys/"],
  "src/auth/": [...FLOOR, "src/http/", "src/config/", "src/oidc/", "src/state/state-store\\.ts"],
  "src/rpc/": [...FLOOR, ...SIGSTORE, "src/auth/caller\\.ts"],
  "src/service/": [...FLOOR, "src/rpc/", "src/policy/", "src/state/state-store\\.ts", ...SIGSTORE, "src/verify-pool/"],
  "src/certus/": [...FLOOR, "src/http/", "src/rpc/", "src/policy/", "src/state/state-store\\.ts", ...SIGSTORE],
  // Workers evaluate policy rules over the bundles they verify (Sign's inner signatures).
  "src/verify-pool/": [...FLOOR, "src/sigstore/verify/", "src/policy/"],
  "src/(metrics|mcp)/": [...FLOOR, "src/http/", "src/auth/", ...SIGSTORE_PORTS, "src/rpc/reply-field\\.ts"],
  // The composition root: everything below it (not cli/ or main.ts, which sit above it).
  "src/server/": ["src/(?!cli/|main\\.ts|ui/)"],
  // The multi-process server (`--workers`): above the composition root it runs in each process
  // (and the embedded adapters whose pieces a worker reuses: its service identity, the canonical
  // entry body), below cli/ which starts it. server/ never imports it.
  "src/cluster/": ["src/(?!cli/|main\\.ts|ui/)"],
  "src/cli/": ["src/(?!ui/)"],
  "src/main\\.ts": ["src/(?!ui/)"],
  "src/ui/": [],
};

const prefix = (paths) => `^(${paths.join("|")})`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  allowed: [
    // Packages, Node.js built-ins and anything outside src/ (the generated SDK) are not layering.
    { from: {}, to: { pathNot: "^src/" } },
    // Inside one room anything goes. The rooms are the directories of src/, except that each
    // subdirectory of sigstore/ is a room of its own (its top-level files, the ports, are one
    // more, in ROOMS below) and state/ is the port file plus its adapter state/file/.
    { from: { path: "^src/([^/]+)/", pathNot: "^src/(sigstore|state)/" }, to: { path: "^src/$1/" } },
    { from: { path: "^src/sigstore/([^/]+)/" }, to: { path: "^src/sigstore/$1/" } },
    { from: { path: "^src/state/(file|postgres)/" }, to: { path: "^src/state/$1/" } },
    ...Object.entries(ROOMS)
      .filter(([, may]) => may.length > 0)
      .map(([room, may]) => ({ from: { path: `^${room}` }, to: { path: prefix(may) } })),
  ],
  allowedSeverity: "error",
  forbidden: [
    {
      name: "nothing-imports-server",
      comment: "Only cluster/, cli/ and main.ts import server/ (the composition root); everything else is below it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(server/|cluster/|cli/|main\\.ts)" },
      to: { path: "^src/server/" },
    },
    {
      name: "port-imports-adapter",
      comment: "A port file imports nothing from its adapters: the contract is stated without them.",
      severity: "error",
      from: { path: "^src/(sigstore/[^/]+\\.ts|state/state-store\\.ts)$" },
      to: { path: prefix(ADAPTERS) },
    },
    {
      name: "only-composition-picks-adapters",
      comment: "Handlers receive ports; only server/, cluster/, cli/ and sigstore/compat/ (which serves the embedded stack) import an adapter.",
      severity: "error",
      from: {
        path: "^src/",
        pathNot: "^src/(server/|cluster/|cli/|main\\.ts|sigstore/compat/|sigstore/embedded/|sigstore/external/|state/file/|state/postgres/)",
      },
      to: { path: prefix(ADAPTERS) },
    },
    {
      name: "service-certus-apart",
      comment: "service/ and certus/ do not import each other; what both need lives in rpc/.",
      severity: "error",
      from: { path: "^src/(service|certus)/" },
      to: { path: "^src/(service|certus)/", pathNot: "^src/$1/" },
    },
    {
      name: "no-circular",
      comment: "No import cycles: a cycle makes the order of module start-up (and of the rooms) undefined.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".json"],
    },
  },
};
