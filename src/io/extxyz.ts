/**
 * ASE extended XYZ: read (whole file or streamed frame by frame) and write.
 *
 * Frame layout: a line with the atom count, a comment line of `key=value` pairs, then one line per atom whose
 * columns are declared by `Properties=name:type:ncols:...` (types S string, R real, I integer, L logical).
 * `Lattice="ax ay az bx by bz cx cy cz"` holds the lattice vectors as rows; `pbc="T T T"`.
 * A comment line without key=value pairs is a plain XYZ comment (`info.comment`), with columns species + pos.
 *
 * Mapping onto Structure: `species` (or `Z`) → numbers, `pos` → positions, a `label` S:1 column (or species
 * entries that are labels such as "Li1") → labels; every other column → arrays (R → Float64Array,
 * I → Int32Array, S → string[], L → string[] of "T"/"F"); all other header keys → info.
 */
import { elementOfLabel, tryAtomicNumber } from "../core/elements.js";
import { EngineError, locate, quoteInput } from "../core/errors.js";
import { dict } from "../core/own.js";
import { type AtomArray, Structure } from "../core/structure.js";
import { type WarningSink, warn } from "../core/warnings.js";
import { writeFileAtomic } from "./atomic.js";
import {
  type LineSource,
  openLines,
  parseFinite,
  parseInteger,
  parseNumberToken,
  StringLines,
} from "./_text.js";

export interface ExtxyzReadOptions {
  /** Accept NaN/Inf in per-atom arrays (never in positions or the lattice). Default false: NaN/Inf is an error. */
  allowNonFinite?: boolean;
  /** Where warnings go (e.g. a possibly truncated last line). Default: stderr. */
  warn?: WarningSink;
}

export interface ExtxyzWriteOptions {
  /**
   * Significant digits for floats. Default: undefined = shortest representation that round-trips float64
   * exactly (JavaScript `String(x)`).
   */
  precision?: number;
  /** Extra info keys written into every frame's comment line (override the structure's own info keys). */
  header?: Readonly<Record<string, unknown>>;
  /** Names of per-atom arrays to write, in this order. Default: all arrays of each structure. */
  arrays?: readonly string[];
  /** Write a `label:S:1` column when a structure has labels. Default true. */
  labels?: boolean;
  /** Allow NaN/Inf in arrays (written as `nan`/`inf`). Default false: EngineError. */
  allowNonFinite?: boolean;
}

type ColType = "S" | "R" | "I" | "L";
interface Column {
  name: string;
  type: ColType;
  ncols: number;
  /** first token index in the atom line */
  start: number;
}

const RESERVED = new Set(["lattice", "properties", "pbc"]);

/** Parse all frames of an extended XYZ text. */
export function parseExtxyz(text: string, file = "<string>", options: ExtxyzReadOptions = {}): Structure[] {
  return [...framesFrom(new StringLines(text, file), file, options)];
}

/** Read all frames of an extended XYZ file (`.gz` accepted). */
export function readExtxyz(file: string, options: ExtxyzReadOptions = {}): Structure[] {
  return [...iterExtxyz(file, options)];
}

/**
 * Stream the frames of an extended XYZ file one by one; plain files are read in 1 MiB chunks, so memory is
 * bounded by one frame. Breaking out of the loop closes the file.
 */
export function* iterExtxyz(file: string, options: ExtxyzReadOptions = {}): Generator<Structure> {
  const src = openLines(file);
  try {
    yield* framesFrom(src, file, options);
  } finally {
    src.close();
  }
}

/** Shortest possible atom line: species and three coordinates, each one character, e.g. "H 0 0 0". */
const MIN_ATOM_LINE_CHARS = 7;

function* framesFrom(src: LineSource, file: string, options: ExtxyzReadOptions): Generator<Structure> {
  let last: { lines: string[]; firstLine: number } | undefined;
  for (;;) {
    let countLine = src.next();
    while (countLine !== undefined && countLine.trim() === "") countLine = src.next();
    if (countLine === undefined) {
      if (last) warnIfTruncated(last.lines, last.firstLine, src.unterminated, file, options);
      return;
    }
    const countLineNo = src.lineNumber;
    const natoms = parseInteger(countLine.trim(), { file, line: countLineNo, field: "natoms" });
    if (natoms < 0) {
      throw new EngineError("ParseError", `negative atom count ${natoms}`, {
        file,
        line: countLineNo,
        field: "natoms",
      });
    }
    const comment = src.next();
    if (comment === undefined) {
      throw new EngineError(
        "ParseError",
        `truncated frame: expected a comment line and ${natoms} atom lines after the atom count on line ${countLineNo}`,
        { file, line: countLineNo + 1, field: "comment" },
      );
    }
    checkAtomCount(natoms, countLineNo, src, file);
    const headerLine = src.lineNumber;
    const lines: string[] = new Array(natoms);
    for (let i = 0; i < natoms; i++) {
      const l = src.next();
      if (l === undefined) {
        throw new EngineError(
          "ParseError",
          `truncated frame: file ends after ${i} of ${natoms} atom lines (frame starting on line ${countLineNo})`,
          { file, line: headerLine + i + 1, field: `atom ${i + 1}` },
        );
      }
      lines[i] = l;
    }
    last = { lines, firstLine: headerLine + 1 };
    yield buildFrame(natoms, comment, lines, file, headerLine, options);
  }
}

/** An atom count must fit in the rest of the input (one line of ≥ 7 characters per atom). */
function checkAtomCount(natoms: number, lineNo: number, src: LineSource, file: string): void {
  const where = { file, line: lineNo, field: "natoms" };
  const room = Math.floor((src.remainingBound() + 1) / (MIN_ATOM_LINE_CHARS + 1));
  if (natoms > room) {
    throw new EngineError(
      "ParseError",
      `atom count ${natoms} is more than the rest of the file can hold (at most ${room} atom lines)`,
      where,
    );
  }
}

/**
 * Warn when the last atom line of the input may have been cut inside its final number: the input ends
 * without a newline, or that number has fewer characters than the same column in every other row of its
 * frame (writers of fixed-width columns never do that; a cut file does).
 */
function warnIfTruncated(
  lines: readonly string[],
  firstLine: number,
  unterminated: boolean,
  file: string,
  options: ExtxyzReadOptions,
): void {
  if (lines.length === 0) return;
  const lastLine = firstLine + lines.length - 1;
  const toks = splitWs(lines[lines.length - 1]!);
  const tok = toks[toks.length - 1] ?? "";
  const where = { file, line: lastLine };
  if (unterminated) {
    warn(
      `the file ends without a newline: the last value ${quoteInput(tok)} may be truncated (a cut file?)`,
      where,
      options.warn,
    );
    return;
  }
  const digits = (t: string) => t.replace(/^[+-]/, "").length;
  if (parseNumberToken(tok) === undefined || lines.length < 2) return;
  const col = toks.length - 1;
  const others = lines.slice(0, -1).map((l) => splitWs(l)[col] ?? "");
  if (others.every((t) => parseNumberToken(t) !== undefined && digits(t) > digits(tok))) {
    warn(
      `the last value ${quoteInput(tok)} is shorter than the same column in every other row of its frame: the file may be truncated`,
      where,
      options.warn,
    );
  }
}

/** The columns of a frame's Properties: positions, the element (Z or species), label, and the others. */
interface FrameColumns {
  propsText: string;
  /** tokens per atom line */
  ntok: number;
  pos: Column;
  z: Column | undefined;
  species: Column | undefined;
  label: Column | undefined;
  /** every other column, stored as a per-atom array */
  extra: Column[];
}

function buildFrame(
  natoms: number,
  comment: string,
  lines: string[],
  file: string,
  headerLine: number,
  options: ExtxyzReadOptions,
): Structure {
  const allowNonFinite = options.allowNonFinite ?? false;
  const { info, cell, pbc, propsText } = frameHeader(comment, file, headerLine);
  const cols = frameColumns(propsText ?? "species:S:1:pos:R:3", file, headerLine);
  const numbers = new Int32Array(natoms);
  const positions = new Float64Array(3 * natoms);
  let labels: string[] | undefined;
  let speciesAreLabels = false;
  const store = cols.extra.map((c) => columnStore(c, natoms));
  const speciesTok: string[] = [];

  for (let i = 0; i < natoms; i++) {
    const line = headerLine + 1 + i;
    const toks = splitWs(lines[i]!);
    if (toks.length !== cols.ntok) {
      throw new EngineError(
        "ParseError",
        `wrong column count: expected ${cols.ntok} columns (Properties=${cols.propsText}), found ${toks.length}`,
        { file, line, field: `atom ${i + 1}` },
      );
    }
    for (let k = 0; k < 3; k++) {
      positions[3 * i + k] = parseFinite(toks[cols.pos.start + k], { file, line, field: `pos[${k}]` });
    }
    if (cols.z) numbers[i] = atomicNumber(toks[cols.z.start], file, line);
    if (cols.species) {
      const sp = toks[cols.species.start]!;
      speciesTok.push(sp);
      if (!cols.z) {
        const z = tryAtomicNumber(sp);
        if (z === undefined) speciesAreLabels = true;
        numbers[i] = z ?? speciesFromLabel(sp, file, line);
      }
    }
    if (cols.label) {
      labels ??= new Array<string>(natoms);
      labels[i] = toks[cols.label.start]!;
    }
    for (let c = 0; c < cols.extra.length; c++) {
      readColumn(toks, i, cols.extra[c]!, store[c]!, { file, line, allowNonFinite });
    }
  }
  if (!labels && speciesAreLabels) labels = speciesTok;

  const arrays = new Map<string, AtomArray>();
  cols.extra.forEach((c, i) => {
    arrays.set(c.name, { ncols: c.ncols, data: store[i]! });
  });
  return locate(
    { file, line: headerLine },
    () => new Structure({ numbers, positions, cell, pbc, ...(labels ? { labels } : {}), arrays, info }),
  );
}

/** The comment line: Lattice, pbc and Properties apart, every other key into info (or the plain comment). */
function frameHeader(
  comment: string,
  file: string,
  headerLine: number,
): { info: Record<string, unknown>; cell: Float64Array | null; pbc: Pbc; propsText: string | undefined } {
  const kv = parseKeyValues(comment, file, headerLine);
  let latticeText: string | undefined;
  let propsText: string | undefined;
  let pbcText: string | undefined;
  const info = dict<unknown>();
  if (kv === null) {
    if (comment.trim() !== "") info["comment"] = comment.trim();
  } else {
    for (const [k, raw] of kv) {
      const lk = k.toLowerCase();
      if (lk === "lattice") latticeText = raw.text;
      else if (lk === "properties") propsText = raw.text;
      else if (lk === "pbc") pbcText = raw.text;
      else info[k] = convertValue(raw);
    }
  }
  const cell = latticeText === undefined ? null : parseLattice(latticeText, file, headerLine);
  const pbc: Pbc =
    pbcText !== undefined
      ? parsePbc(pbcText, file, headerLine)
      : cell
        ? [true, true, true]
        : [false, false, false];
  if (cell === null && pbc.some((p) => p)) {
    throw new EngineError("ParseError", "periodic boundary conditions requested (pbc) but no Lattice given", {
      file,
      line: headerLine,
      field: "pbc",
    });
  }
  return { info, cell, pbc, propsText };
}

type Pbc = [boolean, boolean, boolean];

/** `Lattice="ax ay az bx by bz cx cy cz"` (brackets and commas allowed). */
function parseLattice(text: string, file: string, line: number): Float64Array {
  const where = { file, line, field: "Lattice" };
  const toks = splitWs(text.replace(/[[\],]/g, " "));
  if (toks.length !== 9) {
    throw new EngineError("ParseError", `Lattice needs 9 numbers, found ${toks.length}`, where);
  }
  const cell = new Float64Array(9);
  for (let i = 0; i < 9; i++) cell[i] = parseFinite(toks[i], where);
  return cell;
}

/** `pbc="T T F"`: three logical values. */
function parsePbc(text: string, file: string, line: number): Pbc {
  const toks = splitWs(text.replace(/[[\],]/g, " "));
  const vals = toks.map((t) => parseBool(t));
  if (toks.length !== 3 || vals.some((v) => v === undefined)) {
    throw new EngineError("ParseError", `pbc must be three of T/F, got ${quoteInput(text)}`, {
      file,
      line,
      field: "pbc",
    });
  }
  return [...vals] as Pbc;
}

/** The Properties columns, checked: pos:R:3, Z:I:1 or species:S:1, label:S:1 when present. */
function frameColumns(propsText: string, file: string, headerLine: number): FrameColumns {
  const where = { file, line: headerLine, field: "Properties" };
  const cols = parseProperties(propsText, file, headerLine);
  const byName = new Map(cols.map((c) => [c.name, c]));
  const pos = byName.get("pos") ?? byName.get("positions");
  if (pos?.type !== "R" || pos.ncols !== 3) {
    throw new EngineError("ParseError", "Properties must contain pos:R:3", where);
  }
  const z = byName.get("Z");
  const species = byName.get("species");
  const label = byName.get("label");
  if (z && (z.type !== "I" || z.ncols !== 1)) {
    throw new EngineError("ParseError", "Z column must be I:1", where);
  }
  if (!z && (species?.type !== "S" || species.ncols !== 1)) {
    throw new EngineError("ParseError", "Properties must contain species:S:1 or Z:I:1", where);
  }
  if (label && (label.type !== "S" || label.ncols !== 1)) {
    throw new EngineError("ParseError", "label column must be S:1", where);
  }
  return {
    propsText,
    ntok: cols.reduce((s, c) => s + c.ncols, 0),
    pos,
    z,
    species,
    label,
    extra: cols.filter((c) => c !== pos && c !== z && c !== species && c !== label),
  };
}

type ColumnStore = Float64Array | Int32Array | string[];

function columnStore(c: Column, natoms: number): ColumnStore {
  return c.type === "R"
    ? new Float64Array(natoms * c.ncols)
    : c.type === "I"
      ? new Int32Array(natoms * c.ncols)
      : new Array<string>(natoms * c.ncols);
}

/** A Z column value: an integer 1..118. */
function atomicNumber(tok: string | undefined, file: string, line: number): number {
  const z = parseInteger(tok, { file, line, field: "Z" });
  if (!(z > 0 && z < 119)) {
    throw new EngineError("ParseError", `invalid atomic number ${z}`, { file, line, field: "Z" });
  }
  return z;
}

/** The element of a species that is a label ("O1", "Ca2a"), not a symbol. */
function speciesFromLabel(sp: string, file: string, line: number): number {
  const z = elementOfLabel(sp);
  if (z === undefined) {
    throw new EngineError("ParseError", `unknown species ${quoteInput(sp)}`, {
      file,
      line,
      field: "species",
    });
  }
  return z;
}

/** Atom i's values of one extra column into its store (R finite unless allowed, I integer, L T/F, S as is). */
function readColumn(
  toks: string[],
  i: number,
  col: Column,
  out: ColumnStore,
  where: { file: string; line: number; allowNonFinite: boolean },
): void {
  const { file, line } = where;
  for (let k = 0; k < col.ncols; k++) {
    const tok = toks[col.start + k]!;
    const field = col.ncols === 1 ? col.name : `${col.name}[${k}]`;
    const idx = i * col.ncols + k;
    if (col.type === "R") {
      (out as Float64Array)[idx] = parseFinite(tok, { file, line, field }, where.allowNonFinite);
    } else if (col.type === "I") {
      (out as Int32Array)[idx] = parseInteger(tok, { file, line, field });
    } else if (col.type === "L") {
      const b = parseBool(tok);
      if (b === undefined) {
        throw new EngineError("ParseError", `not a logical value: ${quoteInput(tok)}`, {
          file,
          line,
          field,
        });
      }
      (out as string[])[idx] = b ? "T" : "F";
    } else {
      (out as string[])[idx] = tok;
    }
  }
}

function parseProperties(text: string, file: string, line: number): Column[] {
  const parts = text.split(":");
  if (parts.length % 3 !== 0) {
    throw new EngineError(
      "ParseError",
      `Properties must be name:type:ncols triplets, got ${quoteInput(text)}`,
      {
        file,
        line,
        field: "Properties",
      },
    );
  }
  const cols: Column[] = [];
  const seen = new Set<string>();
  let start = 0;
  for (let i = 0; i < parts.length; i += 3) {
    const name = parts[i]!;
    const type = parts[i + 1]!.toUpperCase();
    const nStr = parts[i + 2]!;
    if (!name || seen.has(name)) {
      throw new EngineError("ParseError", `empty or repeated property name ${quoteInput(name)}`, {
        file,
        line,
        field: "Properties",
      });
    }
    if (type !== "S" && type !== "R" && type !== "I" && type !== "L") {
      throw new EngineError(
        "ParseError",
        `property ${quoteInput(name)} has unknown type ${quoteInput(parts[i + 1])}`,
        {
          file,
          line,
          field: "Properties",
        },
      );
    }
    if (!/^\d+$/.test(nStr) || Number(nStr) < 1) {
      throw new EngineError(
        "ParseError",
        `property ${quoteInput(name)} has invalid column count ${quoteInput(nStr)}`,
        {
          file,
          line,
          field: "Properties",
        },
      );
    }
    seen.add(name);
    cols.push({ name, type, ncols: Number(nStr), start });
    start += Number(nStr);
  }
  return cols;
}

function splitWs(s: string): string[] {
  const t = s.trim();
  return t === "" ? [] : t.split(/\s+/);
}

function parseBool(t: string): boolean | undefined {
  switch (t) {
    case "T":
    case "True":
    case "true":
    case "TRUE":
      return true;
    case "F":
    case "False":
    case "false":
    case "FALSE":
      return false;
    default:
      return undefined;
  }
}

interface RawValue {
  text: string;
  /** the value was written in quotes (or brackets) */
  quoted: boolean;
  /** bare key without `=value` */
  bare: boolean;
}

/**
 * Tokenise an extxyz comment line into key/value pairs (ASE's key_val_str_to_dict rules: values may be
 * double-quoted with backslash escapes, or bracketed `[..]`/`{..}`; a bare key means `true`).
 * Returns null when the line is not key=value syntax (a plain XYZ comment).
 */
function parseKeyValues(line: string, file: string, lineNo: number): [string, RawValue][] | null {
  if (!line.includes("=")) return null;
  const out: [string, RawValue][] = [];
  const n = line.length;
  let i = 0;
  const isWs = (c: string) => c === " " || c === "\t";
  const readQuoted = (): string => {
    // at opening quote
    const q = line[i]!;
    i++;
    let s = "";
    while (i < n && line[i] !== q) {
      if (line[i] === "\\" && i + 1 < n) {
        const e = line[i + 1]!;
        s += e === "n" ? "\n" : e;
        i += 2;
      } else {
        s += line[i];
        i++;
      }
    }
    if (i >= n) {
      throw new EngineError("ParseError", "unterminated quoted value in comment line", {
        file,
        line: lineNo,
        field: "comment",
      });
    }
    i++;
    return s;
  };
  while (i < n) {
    while (i < n && isWs(line[i]!)) i++;
    if (i >= n) break;
    let key: string;
    if (line[i] === '"') key = readQuoted();
    else {
      const s = i;
      while (i < n && !isWs(line[i]!) && line[i] !== "=") i++;
      key = line.slice(s, i);
    }
    let j = i;
    while (j < n && isWs(line[j]!)) j++;
    if (j < n && line[j] === "=") {
      i = j + 1;
      while (i < n && isWs(line[i]!)) i++;
      if (i >= n) {
        out.push([key, { text: "", quoted: true, bare: false }]);
        break;
      }
      const c = line[i]!;
      if (c === '"' || c === "'") {
        out.push([key, { text: readQuoted(), quoted: true, bare: false }]);
      } else if (c === "[" || c === "{") {
        const close = c === "[" ? "]" : "}";
        const s = i;
        let depth = 0;
        for (; i < n; i++) {
          if (line[i] === c) depth++;
          else if (line[i] === close && --depth === 0) break;
        }
        if (i >= n) {
          throw new EngineError(
            "ParseError",
            `unterminated ${quoteInput(c)} value of key ${quoteInput(key)}`,
            {
              file,
              line: lineNo,
              field: key,
            },
          );
        }
        i++;
        out.push([key, { text: line.slice(s, i), quoted: true, bare: false }]);
      } else {
        const s = i;
        while (i < n && !isWs(line[i]!)) i++;
        out.push([key, { text: line.slice(s, i), quoted: false, bare: false }]);
      }
    } else {
      out.push([key, { text: "", quoted: false, bare: true }]);
    }
  }
  return out;
}

/** Convert a raw info value: number, bool, JSON array/object, array of numbers/bools, or string. */
function convertValue(raw: RawValue): unknown {
  if (raw.bare) return true;
  const t = raw.text.trim();
  if (raw.quoted && t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    try {
      const v: unknown = JSON.parse(t);
      if (typeof v === "string") return v;
    } catch {
      // not a JSON string: keep the text
    }
    return raw.text;
  }
  if ((t.startsWith("[") && t.endsWith("]")) || (t.startsWith("{") && t.endsWith("}"))) {
    try {
      return JSON.parse(t);
    } catch {
      // not JSON: fall through (e.g. "[1 2 3]" handled below)
    }
    if (t.startsWith("[")) {
      const inner = splitWs(t.slice(1, -1).replace(/,/g, " "));
      const arr = scalarArray(inner);
      if (arr) return arr;
    }
    return raw.text;
  }
  const toks = splitWs(t);
  if (toks.length === 1) {
    const v = scalar(toks[0]!);
    return v ?? raw.text;
  }
  if (toks.length > 1) {
    const arr = scalarArray(toks);
    if (arr) return arr;
  }
  return raw.text;
}

function scalar(tok: string): number | boolean | undefined {
  const b = parseBool(tok);
  if (b !== undefined) return b;
  const v = parseNumberToken(tok);
  return v;
}

function scalarArray(toks: string[]): number[] | boolean[] | undefined {
  const bools = toks.map(parseBool);
  if (bools.every((b) => b !== undefined)) return bools as boolean[];
  const nums = toks.map(parseNumberToken);
  if (nums.every((v) => v !== undefined)) return nums as number[];
  return undefined;
}

// ---------------------------------------------------------------- writing

function fmtFloat(x: number, precision: number | undefined): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (precision === undefined) return String(x);
  return String(Number(x.toPrecision(precision)));
}

function quoteString(s: string): string {
  const esc = s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `"${esc}"`;
}

function needsQuotes(s: string): boolean {
  return s === "" || /[\s"'=[\]{}\\]/.test(s) || scalar(s) !== undefined;
}

function formatInfoValue(key: string, v: unknown, precision: number | undefined): string {
  if (typeof v === "number") return fmtFloat(v, precision);
  if (typeof v === "boolean") return v ? "T" : "F";
  if (typeof v === "string") {
    // a string the reader would turn into a number/bool/array (e.g. "7.0", "1 1 1") is written as a JSON
    // string inside the quotes, which the reader decodes back to the same string
    if (convertValue({ text: v, quoted: true, bare: false }) !== v) return quoteString(JSON.stringify(v));
    return needsQuotes(v) ? quoteString(v) : v;
  }
  if (Array.isArray(v) && v.length > 0) {
    if (v.every((x) => typeof x === "number")) return `"${v.map((x) => fmtFloat(x, precision)).join(" ")}"`;
    if (v.every((x) => typeof x === "boolean")) return `"${v.map((x) => (x ? "T" : "F")).join(" ")}"`;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return `"${Array.from(v as unknown as ArrayLike<number>, (x) => fmtFloat(x, precision)).join(" ")}"`;
  }
  if (v === null || v === undefined) {
    throw new EngineError("InvalidParameter", `info key ${quoteInput(key)} has no value`, { field: key });
  }
  return quoteString(JSON.stringify(v));
}

/** Format structures as an extended XYZ text (one frame per structure). */
export function formatExtxyz(structures: readonly Structure[], options: ExtxyzWriteOptions = {}): string {
  const chunks: string[] = [];
  structures.forEach((s, si) => {
    chunks.push(formatFrame(s, si, options));
  });
  return chunks.join("");
}

function formatFrame(s: Structure, si: number, options: ExtxyzWriteOptions): string {
  const p = options.precision;
  if (p !== undefined && !(Number.isInteger(p) && p >= 1 && p <= 17)) {
    throw new EngineError("InvalidParameter", `precision must be an integer 1..17, got ${p}`, {
      field: "precision",
    });
  }
  const n = s.length;
  const names = options.arrays ?? [...s.arrays.keys()];
  const cols: { name: string; type: ColType; ncols: number; data: AtomArray["data"] }[] = [];
  for (const name of names) {
    const a = s.arrays.get(name);
    if (!a) {
      throw new EngineError("InvalidParameter", `structure ${si} has no per-atom array ${quoteInput(name)}`, {
        field: name,
      });
    }
    if (!/^[A-Za-z_][\w.-]*$/.test(name) || ["species", "pos", "Z", "label"].includes(name)) {
      throw new EngineError(
        "InvalidParameter",
        `array name ${quoteInput(name)} cannot be written to extxyz`,
        {
          field: name,
        },
      );
    }
    let type: ColType;
    if (a.data instanceof Float64Array) {
      type = "R";
      if (!options.allowNonFinite) {
        const bad = a.data.findIndex((x) => !Number.isFinite(x));
        if (bad >= 0) {
          throw new EngineError(
            "InvalidParameter",
            `structure ${si}, atom ${Math.floor(bad / a.ncols)}: non-finite value in ${quoteInput(name)} (pass allowNonFinite to write it)`,
            { field: name },
          );
        }
      }
    } else if (a.data instanceof Int32Array) type = "I";
    else type = (a.data as readonly string[]).every((x) => x === "T" || x === "F") ? "L" : "S";
    if (type === "S" && (a.data as readonly string[]).some((x) => x === "" || /\s/.test(x))) {
      throw new EngineError(
        "InvalidParameter",
        `string array ${quoteInput(name)} has empty or whitespace entries`,
        {
          field: name,
        },
      );
    }
    cols.push({ name, type, ncols: a.ncols, data: a.data });
  }
  const writeLabels = (options.labels ?? true) && s.labels !== null;
  if (writeLabels && s.labels!.some((x) => x === "" || /\s/.test(x))) {
    throw new EngineError("InvalidParameter", "labels with empty or whitespace entries cannot be written", {
      field: "label",
    });
  }
  let props = "species:S:1:pos:R:3";
  if (writeLabels) props += ":label:S:1";
  for (const c of cols) props += `:${c.name}:${c.type}:${c.ncols}`;

  const head: string[] = [];
  if (s.cell) head.push(`Lattice="${Array.from(s.cell, (x) => fmtFloat(x, p)).join(" ")}"`);
  head.push(`Properties=${props}`);
  const info: Record<string, unknown> = { ...s.info, ...(options.header ?? {}) };
  for (const [k, v] of Object.entries(info)) {
    if (RESERVED.has(k.toLowerCase())) continue;
    if (!/^[A-Za-z_][\w.:-]*$/.test(k)) {
      throw new EngineError("InvalidParameter", `info key ${quoteInput(k)} cannot be written to extxyz`, {
        field: k,
      });
    }
    head.push(`${k}=${formatInfoValue(k, v, p)}`);
  }
  head.push(`pbc="${s.pbc.map((b) => (b ? "T" : "F")).join(" ")}"`);

  const symbols = s.symbols();
  const lines: string[] = [String(n), head.join(" ")];
  const pos = s.positions;
  for (let i = 0; i < n; i++) {
    let l = `${symbols[i]} ${fmtFloat(pos[3 * i]!, p)} ${fmtFloat(pos[3 * i + 1]!, p)} ${fmtFloat(pos[3 * i + 2]!, p)}`;
    if (writeLabels) l += ` ${s.labels![i]}`;
    for (const c of cols) {
      const off = i * c.ncols;
      for (let k = 0; k < c.ncols; k++) {
        const v = c.data[off + k]!;
        l += " ";
        l += c.type === "R" ? fmtFloat(v as number, p) : String(v);
      }
    }
    lines.push(l);
  }
  return lines.join("\n") + "\n";
}

/** Write structures to an extended XYZ file atomically (temp file + rename). */
export function writeExtxyz(
  file: string,
  structures: readonly Structure[],
  options: ExtxyzWriteOptions = {},
): void {
  writeFileAtomic(file, formatExtxyz(structures, options));
}
