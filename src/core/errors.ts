/**
 * The one error type of the engine. Every user-facing failure is an EngineError with a code;
 * the CLI prints `message` (plus file/line/field when known) and exits non-zero without a stack trace.
 */
export type ErrorCode =
  | "InvalidParameter"
  | "ShapeMismatch"
  | "ParseError"
  | "IOError"
  | "NotFitted"
  | "NotPositiveDefinite"
  | "BackendUnavailable"
  | "CorruptModel"
  | "Unimplemented"
  | "Internal";

export interface ErrorLocation {
  /** File path the problem was found in. */
  file?: string;
  /** 1-based line number in that file. */
  line?: number;
  /** Name of the field / column / key that was wrong. */
  field?: string;
}

/** Longest message kept in full; the rest of an over-long message (e.g. a whole quoted file) is cut. */
const MAX_MESSAGE_CHARS = 1000;
/** Longest piece of input quoted by `quoteInput`. */
const MAX_QUOTE_CHARS = 80;

/**
 * Make text safe to print on one terminal line: control characters (C0, DEL, C1 — which include the escape
 * character of terminal sequences, CR and LF that could forge output lines) and the Unicode line/paragraph
 * separators become visible escapes (`\n`, `\r`, `\t`, `\xHH`, `\uHHHH`), and text longer than `max`
 * characters is cut with an ellipsis. The one place where user text is made printable; EngineError and
 * `quoteInput` both use it.
 */
export function printable(text: string, max = Number.POSITIVE_INFINITY): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
  });
}

/** A piece of input quoted for an error message: `'text'`, printable and at most 80 characters (plus `…`). */
export function quoteInput(text: string): string {
  return `'${printable(text, MAX_QUOTE_CHARS)}'`;
}

/**
 * `FILE, line N, field 'F': message`, printable (see `printable`): the one format of located messages, used by
 * EngineError and by warnings.
 */
export function located(message: string, where: ErrorLocation = {}): string {
  const loc = [
    where.file !== undefined ? printable(where.file) : undefined,
    where.line !== undefined ? `line ${where.line}` : undefined,
    where.field !== undefined ? `field ${quoteInput(where.field)}` : undefined,
  ].filter((s) => s !== undefined);
  const text = printable(message, MAX_MESSAGE_CHARS);
  return loc.length > 0 ? `${loc.join(", ")}: ${text}` : text;
}

export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  /** The message without its location prefix. */
  readonly detail: string;

  constructor(code: ErrorCode, message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    super(located(message, where), options);
    this.name = "EngineError";
    this.detail = message;
    this.code = code;
    if (where.file !== undefined) this.file = where.file;
    if (where.line !== undefined) this.line = where.line;
    if (where.field !== undefined) this.field = where.field;
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}

/**
 * Run `fn`, adding `where` (file, line) to an EngineError it throws without a file of its own — for checks
 * deep in the engine (e.g. a singular cell found by Structure) reached while reading a file.
 */
export function locate<T>(where: ErrorLocation, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof EngineError) || e.file !== undefined) throw e;
    const field = e.field ?? where.field;
    throw new EngineError(
      e.code,
      e.detail,
      { ...where, ...(field !== undefined ? { field } : {}) },
      { cause: e },
    );
  }
}

/**
 * `v` as one of `allowed` (a string union's values); anything else is InvalidParameter naming `field`, e.g.
 * `unknown backend 'tpu' (available: cpu, auto, gpu, gpujs)`.
 */
export function parseChoice<T extends string>(
  v: unknown,
  allowed: readonly T[],
  field: string,
  what: string,
): T {
  const hit = allowed.find((a) => a === v);
  if (hit !== undefined) return hit;
  const given = typeof v === "string" ? `'${v}'` : JSON.stringify(v);
  throw new EngineError("InvalidParameter", `unknown ${what} ${given} (available: ${allowed.join(", ")})`, {
    field,
  });
}
