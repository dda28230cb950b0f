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

export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;

  constructor(code: ErrorCode, message: string, where: ErrorLocation = {}, options?: { cause?: unknown }) {
    const loc = [
      where.file !== undefined ? where.file : undefined,
      where.line !== undefined ? `line ${where.line}` : undefined,
      where.field !== undefined ? `field '${where.field}'` : undefined,
    ].filter((s) => s !== undefined);
    super(loc.length > 0 ? `${loc.join(", ")}: ${message}` : message, options);
    this.name = "EngineError";
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
