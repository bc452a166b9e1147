/**
 * JSON a test received over the wire: a reply body, a log line, a CLI's output. Typed `any` on
 * purpose and in this one place: the test's expect() calls are what check its shape, and typing
 * each reply first would restate the schema the test asserts (ESLint relaxes the no-unsafe-*
 * rules in test/ for the same reason).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one named type for wire JSON in tests, see above
export type WireJson = any;
