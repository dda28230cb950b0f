/**
 * Internal helpers shared by the text-format readers: strict number parsing and a line source that
 * reads a file in chunks (for streaming large extxyz files frame by frame).
 */
import * as fs from "node:fs";
import { gunzipSync } from "node:zlib";
import { EngineError } from "../core/errors.js";
import { isGzip, readBytes } from "./atomic.js";

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
    throw new EngineError("ParseError", `non-numeric value '${tok}'`, where);
  }
  if (!allowNonFinite && !Number.isFinite(v)) {
    throw new EngineError("ParseError", `non-finite value '${tok}' (NaN/Inf are not accepted)`, where);
  }
  return v;
}

/** Parse an integer or throw a ParseError naming file, line and field. */
export function parseInteger(tok: string | undefined, where: Where): number {
  if (tok === undefined) throw new EngineError("ParseError", "missing value", where);
  if (!INT_RE.test(tok)) throw new EngineError("ParseError", `not an integer: '${tok}'`, where);
  const v = Number(tok);
  if (!Number.isSafeInteger(v)) throw new EngineError("ParseError", `integer out of range: '${tok}'`, where);
  return v;
}

/** A source of text lines with 1-based line numbers (the number of the line last returned). */
export interface LineSource {
  /** The next line without its terminator, or undefined at end of input. */
  next(): string | undefined;
  /** 1-based number of the line last returned by next() (0 before the first call). */
  readonly lineNumber: number;
  close(): void;
}

/** Lines of an in-memory string. */
export class StringLines implements LineSource {
  private readonly text: string;
  private pos = 0;
  lineNumber = 0;

  constructor(text: string) {
    this.text = text;
  }

  next(): string | undefined {
    const t = this.text;
    if (this.pos >= t.length) return undefined;
    let end = t.indexOf("\n", this.pos);
    if (end < 0) end = t.length;
    let line = t.slice(this.pos, end);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    this.pos = end + 1;
    this.lineNumber++;
    return line;
  }

  close(): void {}
}

/** Lines of a (plain-text) file, read in fixed-size chunks so that memory stays bounded. */
export class FileLines implements LineSource {
  private readonly fd: number;
  private readonly buf: Buffer;
  private readonly decoder = new TextDecoder("utf-8");
  private pending = "";
  private lines: string[] = [];
  private li = 0;
  private eof = false;
  private closed = false;
  lineNumber = 0;

  constructor(file: string, chunkBytes = 1 << 20) {
    try {
      this.fd = fs.openSync(file, "r");
    } catch (e) {
      throw new EngineError("IOError", `cannot read file: ${(e as Error).message}`, { file }, { cause: e });
    }
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  private fill(): void {
    while (this.li >= this.lines.length && !this.eof) {
      const n = fs.readSync(this.fd, this.buf, 0, this.buf.length, null);
      let text: string;
      if (n === 0) {
        this.eof = true;
        text = this.pending + this.decoder.decode();
        this.pending = "";
        this.lines = text.length > 0 ? [text] : [];
      } else {
        text = this.pending + this.decoder.decode(this.buf.subarray(0, n), { stream: true });
        const parts = text.split("\n");
        this.pending = parts.pop() ?? "";
        this.lines = parts;
      }
      this.li = 0;
    }
  }

  next(): string | undefined {
    if (this.li >= this.lines.length) this.fill();
    if (this.li >= this.lines.length) return undefined;
    let line = this.lines[this.li++]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    this.lineNumber++;
    return line;
  }

  close(): void {
    if (!this.closed) {
      this.closed = true;
      fs.closeSync(this.fd);
    }
  }
}

/** Open a file as a line source: gzip files are inflated in memory, plain files are streamed. */
export function openLines(file: string): LineSource {
  if (file.endsWith(".gz")) return new StringLines(readGz(file));
  let head: Buffer;
  try {
    const fd = fs.openSync(file, "r");
    head = Buffer.alloc(2);
    fs.readSync(fd, head, 0, 2, 0);
    fs.closeSync(fd);
  } catch (e) {
    throw new EngineError("IOError", `cannot read file: ${(e as Error).message}`, { file }, { cause: e });
  }
  if (isGzip(head)) return new StringLines(readGz(file));
  return new FileLines(file);
}

function readGz(file: string): string {
  const raw = readBytes(file);
  try {
    return gunzipSync(raw).toString("utf8");
  } catch (e) {
    throw new EngineError("IOError", `cannot gunzip: ${(e as Error).message}`, { file }, { cause: e });
  }
}
