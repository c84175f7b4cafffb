/**
 * JSON whose shape a test does not declare (an answer, a document, a manifest): the test reaches
 * into it and asserts on what it finds, so a wrong guess fails the assertion, not the compiler.
 */
// biome-ignore lint/suspicious/noExplicitAny: the one place tests read JSON without a declared type (see above).
export type UncheckedJson = any;
export type JsonObject = Record<string, UncheckedJson>;
