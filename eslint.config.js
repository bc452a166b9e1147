// ESLint for the project's TypeScript (src/, test/, bench/) and its JavaScript (scripts/, bin/,
// examples/, deploy/).
// Type-aware and strict: typescript-eslint's strictTypeChecked on every .ts file, each through
// the tsconfig that builds or checks it (root for src/ and bench/, src/ui for the browser
// console, test/ for the tests). Layering (which room may import which) is dependency-cruiser's
// job (.dependency-cruiser.cjs), formatting is Prettier's (.prettierrc.json).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    // Build output, generated code and test data. The SDKs (sdk/) are packages of their own,
    // checked by their own builds and tests.
    ignores: ["dist/", "sdk/", "k8s/", "proto/", "test/fixtures/", ".protodeps/", ".cache/", "**/gen/", ".certus-trust/", "test-results/"],
  },
  {
    files: ["**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["vitest.config.ts"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A number renders unambiguously in a message; booleans, null, objects and `any` still do not.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // `new Promise((r) => setTimeout(r, ms))` and `.on("x", () => resolve())` return a void call
      // from an arrow shorthand; that idiom confuses nobody. Elsewhere a void value stays an error.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // `({ salt: _s, ...rest }) => rest` drops fields by naming them; `_` marks a parameter a
      // signature requires but the body does not use.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // Passing a caught error on unchanged (`catch (err) { return Promise.reject(err); }`) invents
      // no non-Error reason; only-throw-error allows the same for `throw err`.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
    },
  },
  {
    files: ["bench/**/*.ts"],
    rules: {
      // Benchmark drivers index the arrays they just filled (`samples[i % samples.length]!`); a
      // wrong `!` crashes the run, the failure a guard there would produce.
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // With noUncheckedIndexedAccess every `rows[0]` is `T | undefined`; in a test a wrong `!`
      // throws and fails the test, which is all a guard there would do.
      "@typescript-eslint/no-non-null-assertion": "off",
      // Tests read wire JSON (`await res.json()`, JSON.parse of logs and CLI output) as `any` and
      // check it with expect(); typing each reply first would restate the schema the test asserts.
      // One concern, so the no-unsafe-* family is relaxed together; `no-explicit-any` stays on.
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // `let srv: TestServer` is assigned in beforeAll; `afterAll(() => srv?.close())` must still
      // run when that setup failed, which the declared type cannot say.
      "@typescript-eslint/no-unnecessary-condition": "off",
    },
  },
  {
    // Node scripts in plain JavaScript: no types for the type-aware rules to work with (every
    // value would be `any`), so the core recommended rules only.
    files: ["**/*.mjs", "**/*.js"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  {
    files: ["**/*.cjs"],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
);
