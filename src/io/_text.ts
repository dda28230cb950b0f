/**
 * Internal helpers shared by the text-format readers: strict number parsing and a line source that
 * reads a file in chunks (for streaming large extxyz files frame by frame).
 */
import * as fs from "node:fs";
import { EngineError, quoteInput } from "../core/errors.js";
import { inputName, isGzip, openRegular, readTextMaybeGz, STDIO_PATH } from "./atomic.js";

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?$/;
const INT_RE = /^[+-]?\d+$/;
const NONFINITE_RE = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * Parse a decimal number strictly (Fortran `D` exponents allowed). Returns undefined for text that is not
 * a number at all; `nan`/`inf` spellings parse to NaN/±Infinity so the caller can report them as
 * non-finite rather than non-numeric.
 */
export function parseNumberToken(tok: string): number | undefined {
  if (FLOAT_RE.test(tok)) {
    // only rewrite the exponent letter when there is one (fast path for plain decimals)
    return Number(/[dD]/.test(tok) ? tok.replace(/[dD]/, "e") : tok);
  }
  if (NONFINITE_RE.test(tok)) {
    const t = tok.toLowerCase();
    if (t.includes("nan")) return Number.NaN;
    return t.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return undefined;
}

export interface Where {
  file: string;
  line: number;
  field: string;
}

/** Parse a finite float or throw a ParseError naming file, line and field. */
export function parseFinite(tok: string | undefined, where: Where, allowNonFinite = false): number {
  if (tok === undefined) {
    throw new EngineError("ParseError", "missing value", where);
  }
  const v = parseNumberToken(tok);
  if (v === undefined) {
    throw new EngineError("ParseError", `non-numeric value ${quoteInput(tok)}`, where);
  }
  if (!allowNonFinite && !Number.isFinite(v)) {
    throw new EngineError(
      "ParseError",
      `non-finite value ${quoteInput(tok)} (NaN/Inf are not accepted)`,
      where,
    );
  }
  return v;
}

/** Parse an integer or throw a ParseError naming file, line and field. */
export function parseInteger(tok: string | undefined, where: Where): number {
  if (tok === undefined) throw new EngineError("ParseError", "missing value", where);
  if (!INT_RE.test(tok)) throw new EngineError("ParseError", `not an integer: ${quoteInput(tok)}`, where);
  const v = Number(tok);
  if (!Number.isSafeInteger(v))
    throw new EngineError("ParseError", `integer out of range: ${quoteInput(tok)}`, where);
  return v;
}

/**
 * Longest line a text reader accepts (characters). Real structure files have lines of at most a few kB; a
 * longer line means binary data or a runaway file, which would otherwise be buffered without bound.
 */
export const MAX_LINE_CHARS = 4 << 20;

function lineTooLong(file: string, line: number): EngineError {
  return new EngineError(
    "ParseError",
    `line is longer than ${MAX_LINE_CHARS / (1 << 20)} MiB characters: not a text structure file?`,
    { file, line },
  );
}

/** Throw a ParseError naming the first line of `text` longer than MAX_LINE_CHARS (for whole-text parsers). */
export function checkLineLengths(text: string, file: string): void {
  if (text.length <= MAX_LINE_CHARS) return;
  let pos = 0;
  for (let line = 1; pos <= text.length; line++) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = text.length;
    if (end - pos > MAX_LINE_CHARS) throw lineTooLong(file, line);
    pos = end + 1;
  }
}

/** A source of text lines with 1-based line numbers (the number of the line last returned). */
export interface LineSource {
  /** The next line without its terminator, or undefined at end of input. */
  next(): string | undefined;
  /** 1-based number of the line last returned by next() (0 before the first call). */
  readonly lineNumber: number;
  /** True when the line last returned ended at the end of the input, without a newline. */
  readonly unterminated: boolean;
  /** An upper bound on the characters left to read (for sanity checks on declared counts). */
  remainingBound(): number;
  close(): void;
}

/** Lines of an in-memory string. */
export class StringLines implements LineSource {
  private readonly text: string;
  private readonly file: string;
  private pos = 0;
  lineNumber = 0;
  unterminated = false;

  constructor(text: string, file = "<string>") {
    this.text = text;
    this.file = file;
  }

  next(): string | undefined {
    const t = this.text;
    if (this.pos >= t.length) return undefined;
    let end = t.indexOf("\n", this.pos);
    this.unterminated = end < 0;
    if (end < 0) end = t.length;
    if (end - this.pos > MAX_LINE_CHARS) throw lineTooLong(this.file, this.lineNumber + 1);
    let line = t.slice(this.pos, end);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    this.pos = end + 1;
    this.lineNumber++;
    return line;
  }

  remainingBound(): number {
    return Math.max(0, this.text.length - this.pos);
  }

  close(): void {}
}

/** Lines of a (plain-text, regular) file, read in fixed-size chunks so that memory stays bounded. */
export class FileLines implements LineSource {
  private readonly fd: number;
  private readonly file: string;
  private readonly size: number;
  private readonly buf: Buffer;
  private readonly decoder = new TextDecoder("utf-8");
  private pending = "";
  private lines: string[] = [];
  private li = 0;
  private eof = false;
  private closed = false;
  /** characters returned so far (each ≤ its bytes in UTF-8, so size − consumed bounds what is left) */
  private consumed = 0;
  lineNumber = 0;
  unterminated = false;

  /** Read `file` (opened here, or the already opened regular-file descriptor `fd`, which this then owns). */
  constructor(file: string, chunkBytes = 1 << 20, fd?: number) {
    this.file = file;
    this.fd = fd ?? openRegular(file);
    this.size = fs.fstatSync(this.fd).size;
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  private fill(): void {
    while (this.li >= this.lines.length && !this.eof) {
      const n = fs.readSync(this.fd, this.buf, 0, this.buf.length, null);
      if (n === 0) {
        this.eof = true;
        const text = this.pending + this.decoder.decode();
        this.pending = "";
        this.lines = text.length > 0 ? [text] : [];
      } else {
        const parts = (this.pending + this.decoder.decode(this.buf.subarray(0, n), { stream: true })).split(
          "\n",
        );
        this.pending = parts.pop() ?? "";
        this.lines = parts;
      }
      this.li = 0;
      this.checkLengths();
    }
  }

  private checkLengths(): void {
    const tooLong = this.lines.findIndex((l) => l.length > MAX_LINE_CHARS);
    if (tooLong >= 0) throw lineTooLong(this.file, this.lineNumber + tooLong + 1);
    if (this.pending.length > MAX_LINE_CHARS)
      throw lineTooLong(this.file, this.lineNumber + this.lines.length + 1);
  }

  next(): string | undefined {
    if (this.li >= this.lines.length) this.fill();
    if (this.li >= this.lines.length) return undefined;
    let line = this.lines[this.li++]!;
    this.unterminated = this.eof && this.li === this.lines.length;
    this.consumed += line.length + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    this.lineNumber++;
    return line;
  }

  remainingBound(): number {
    return Math.max(0, this.size - this.consumed + 1);
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      fs.closeSync(this.fd);
    }
  }
}

/**
 * Open a file as a line source: `-` is standard input, gzip files are inflated in memory, plain regular files
 * are streamed (other kinds of file are refused, see openRegular).
 */
export function openLines(file: string): LineSource {
  const name = inputName(file);
  if (file === STDIO_PATH || file.endsWith(".gz")) return new StringLines(readTextMaybeGz(file), name);
  const fd = openRegular(file);
  const head = Buffer.alloc(2);
  try {
    fs.readSync(fd, head, 0, 2, 0);
  } catch (e) {
    fs.closeSync(fd);
    throw new EngineError("IOError", `cannot read file: ${(e as Error).message}`, { file }, { cause: e });
  }
  if (!isGzip(head)) return new FileLines(file, 1 << 20, fd);
  fs.closeSync(fd);
  return new StringLines(readTextMaybeGz(file), name);
}
