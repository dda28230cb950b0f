/**
 * CASTEP / QE-GIPAW `.magres` files (format of the CCP-NC magres-format definition, as read by ASE).
 *
 * Blocks `[name] ... [/name]` or the old `<name> ... </name>`; `#` comment lines; unknown blocks such as
 * `[magres_old]` (CASTEP's free-text summary) are skipped.
 * - `[atoms]`: `units`, `lattice ax ay az bx by bz cx cy cz`, `atom Species Label index x y z`, `symmetry ...`.
 * - `[magres]`: `units`; per-atom tensors `key Label index t11 t12 ... t33` (ms, efg, efg_local, efg_nonlocal,
 *   and any other key of that shape); pair tensors `key Label1 index1 Label2 index2 t11..t33` (isc, isc_*);
 *   global tensors `key t11..t33` (sus).
 * - `[calculation]`: `calc_key value...` lines.
 *
 * Units lines may appear anywhere in a block; they are applied after the block is read.
 *
 * Atom identification: a tensor line's (label, index) is matched against the (label, index) of the atom lines
 * — CASTEP numbers per species, QE-GIPAW globally, the pair itself is unique either way. Some CASTEP files
 * (soprano/ethanol.magres) use custom labels "H1", "H2" on the atom lines but refer to atoms by
 * (species, index) in the tensor lines, so (species, index) is the fallback when the (label, index) pair is
 * unknown. Files without an [atoms] block (matador/Al2O3.magres) yield the atoms in order of first appearance
 * in the tensor lines, with zero positions and `info.positionsMissing = true`.
 *
 * Mapping onto Structure: labels = the label column; arrays `magres_index` (Int32Array, the file's index) and
 * one Float64Array per per-atom tensor key (9 columns, row-major, NaN for atoms without a value);
 * info: `units` (quantity → unit), every [calculation] key (repeated keys → string[]; `calc_pspot` always
 * string[]), `symmetry` (string[]), global tensors (number[9]), pair tensors (array of
 * {label1, index1, label2, index2, tensor}), `positionsMissing` when there was no [atoms] block.
 */
import { elementOfLabel, symbolOf, tryAtomicNumber } from "../core/elements.js";
import { EngineError, locate, quoteInput } from "../core/errors.js";
import { dict, own } from "../core/own.js";
import { type AtomArray, Structure } from "../core/structure.js";
import { checkLineLengths, parseFinite, parseInteger, type Where } from "./_text.js";
import { readTextMaybeGz, writeFileAtomic } from "./atomic.js";

const BOHR_IN_ANGSTROM = 0.529177210903; // CODATA 2018

/** Accepted units per known quantity, with the factor converting to the engine's unit. */
function allowedUnits(quantity: string): Record<string, number> | undefined {
  if (quantity === "lattice" || quantity === "atom") return { Angstrom: 1, Bohr: BOHR_IN_ANGSTROM };
  if (quantity === "ms" || quantity.startsWith("ms_")) return { ppm: 1 };
  if (quantity === "efg" || quantity.startsWith("efg_")) return { au: 1 };
  if (quantity === "isc" || quantity.startsWith("isc_")) return { "10^19.T^2.J^-1": 1 };
  if (quantity === "sus") return { "10^-6.cm^3.mol^-1": 1 };
  if (quantity === "calc_cutoffenergy") return { Hartree: 1, eV: 1 };
  return undefined;
}

const PAIR_KEYS = /^isc(_|$)/;
const GLOBAL_KEYS = new Set(["sus"]);
const KNOWN_BLOCKS = new Set(["atoms", "magres", "calculation"]);

interface AtomRec {
  species: string;
  z: number;
  label: string;
  index: number;
  pos: [number, number, number];
  line: number;
}

interface TensorRec {
  key: string;
  label: string;
  index: number;
  values: number[];
  line: number;
}

interface PairRec {
  key: string;
  label1: string;
  index1: number;
  label2: string;
  index2: number;
  tensor: number[];
  line: number;
}

/** What the blocks of a magres file hold, before the tensor lines are matched to atoms. */
interface MagresRecords {
  atoms: AtomRec[];
  tensors: TensorRec[];
  pairs: PairRec[];
  globals: Record<string, number[]>;
  units: Record<string, string>;
  unitLine: Record<string, number>;
  calc: Record<string, string | string[]>;
  symmetry: string[];
  lattice: number[] | null;
  latticeLine: number;
  seenBlocks: Set<string>;
}

/** A block being read: its name, the line that opened it, and whether its records are read or skipped. */
interface OpenBlock {
  name: string;
  line: number;
  known: boolean;
}

/** One record line of a known block. */
interface RecordLine {
  /** the data split on whitespace; toks[0] is the record key */
  toks: string[];
  /** the line without its inline comment ([calculation] keeps the whole line) */
  data: string;
  /** the whole trimmed line, as quoted in messages */
  text: string;
  line: number;
  W: (field: string) => Where;
}

/** Element from a magres species / label token: "Li", "H:custom", "O1", "Ca2a". */
function elementOf(tok: string): number | undefined {
  return elementOfLabel(tok.split(":", 1)[0]!);
}

// `[name]` / `[/name]`, or the legacy `<name>` / `</name>`
const OPEN_RE = /^[[<]\s*([A-Za-z_][\w-]*)\s*[\]>]$/;
const CLOSE_RE = /^[[<]\/\s*([A-Za-z_][\w-]*)\s*[\]>]$/;

/** Parse the text of a .magres file. */
export function parseMagres(text: string, file = "<string>"): Structure {
  checkLineLengths(text, file);
  const rec = readBlocks(text, file);
  const { atoms, lookup, positionsMissing } = matchAtoms(rec, file);
  const resolve = (label: string, index: number, line: number, field: string) =>
    resolveAtom(lookup, label, index, { file, line, field });
  const arrays = tensorArrays(rec.tensors, atoms.length, resolve, file);
  const info = dict<unknown>();
  addPairs(info, rec.pairs, resolve);
  addInfo(info, rec, positionsMissing);
  arrays.set("magres_index", { ncols: 1, data: Int32Array.from(atoms, (a) => a.index) });
  if (atoms.some((a) => a.species.includes(":"))) {
    arrays.set("magres_species", { ncols: 1, data: atoms.map((a) => a.species) });
  }
  const cell = rec.lattice ? rec.lattice.map((x) => x * unitScale(rec.units, "lattice")) : null;
  const structure = () =>
    new Structure({
      numbers: atoms.map((a) => a.z),
      positions: scaledPositions(atoms, unitScale(rec.units, "atom")),
      cell,
      pbc: cell ? [true, true, true] : [false, false, false],
      labels: atoms.map((a) => a.label),
      arrays,
      info,
    });
  return locate({ file, line: rec.latticeLine || 1, field: "lattice" }, structure);
}

// ---------------------------------------------------------------- blocks

/** Read every block of the file into records; skip comments, blank lines and unknown blocks. */
function readBlocks(text: string, file: string): MagresRecords {
  const lines = text.split("\n");
  const rec: MagresRecords = {
    atoms: [],
    tensors: [],
    pairs: [],
    globals: dict<number[]>(),
    units: dict<string>(),
    unitLine: dict<number>(),
    calc: dict<string | string[]>(),
    symmetry: [],
    lattice: null,
    latticeLine: 0,
    seenBlocks: new Set<string>(),
  };
  let block: OpenBlock | null = null;
  for (let li = 0; li < lines.length; li++) {
    const t = lines[li]!.trim();
    if (t === "" || t.startsWith("#")) continue;
    const W = (field: string): Where => ({ file, line: li + 1, field });
    block = block === null ? openBlock(t, rec.seenBlocks, W) : blockLine(block, t, rec, W);
  }
  if (block !== null) {
    throw new EngineError(
      "ParseError",
      `truncated file: block [${block.name}] opened on line ${block.line} is never closed`,
      { file, line: lines.length, field: block.name },
    );
  }
  if (!rec.seenBlocks.has("atoms") && !rec.seenBlocks.has("magres")) {
    throw new EngineError("ParseError", "not a magres file: no [atoms] or [magres] block", {
      file,
      line: 1,
      field: "block",
    });
  }
  return rec;
}

/** A line outside any block must open one; a known block may appear once. */
function openBlock(t: string, seen: Set<string>, W: (field: string) => Where): OpenBlock {
  const m = OPEN_RE.exec(t);
  if (!m) {
    throw new EngineError("ParseError", `text outside a [block]: ${quoteInput(t)}`, W("block"));
  }
  const name = m[1]!;
  const known = KNOWN_BLOCKS.has(name);
  if (known && seen.has(name)) {
    throw new EngineError("ParseError", `duplicate [${name}] block`, W(name));
  }
  seen.add(name);
  return { name, line: W(name).line, known };
}

/** A line inside `block`: its closing tag (the block ends: null) or, in a known block, a record. */
function blockLine(
  block: OpenBlock,
  t: string,
  rec: MagresRecords,
  W: (field: string) => Where,
): OpenBlock | null {
  const mc = CLOSE_RE.exec(t);
  if (mc) {
    if (mc[1] === block.name) return null;
    if (!block.known) return block; // free text of an unknown block may contain anything
    throw new EngineError(
      "ParseError",
      `block [${block.name}] opened on line ${block.line} is closed by [/${mc[1]}]`,
      W(block.name),
    );
  }
  if (!block.known) return block;
  if (OPEN_RE.test(t)) {
    throw new EngineError("ParseError", `nested block inside [${block.name}]`, W(block.name));
  }
  readRecord(block.name, t, rec, W);
  return block;
}

/** One record of a known block, handed to the reader of its block (`units` lines in any block). */
function readRecord(blockName: string, t: string, rec: MagresRecords, W: (field: string) => Where): void {
  // inline comments in data blocks (the [calculation] block keeps free text such as calc_comment intact)
  const data = blockName === "calculation" ? t : t.split("#", 1)[0]!.trim();
  if (data === "") return;
  const r: RecordLine = { toks: data.split(/\s+/), data, text: t, line: W("").line, W };
  if (r.toks[0] === "units") readUnits(r, rec);
  else if (blockName === "calculation") readCalculation(r, rec.calc);
  else if (blockName === "atoms") readAtomsRecord(r, rec);
  else readMagresRecord(r, rec);
}

/** `units QUANTITY UNIT`: a unit accepted for the quantity, the same unit wherever the quantity appears. */
function readUnits({ toks, text, line, W }: RecordLine, rec: MagresRecords): void {
  if (toks.length !== 3) {
    throw new EngineError(
      "ParseError",
      `units line needs 'units QUANTITY UNIT', got ${quoteInput(text)}`,
      W("units"),
    );
  }
  const q = toks[1]!;
  const u = toks[2]!;
  const allowed = allowedUnits(q);
  if (allowed && own(allowed, u) === undefined) {
    throw new EngineError(
      "ParseError",
      `unknown unit ${quoteInput(u)} for ${quoteInput(q)} (accepted: ${Object.keys(allowed).join(", ")})`,
      W(q),
    );
  }
  const { units, unitLine } = rec;
  if (units[q] !== undefined && units[q] !== u) {
    throw new EngineError(
      "ParseError",
      `conflicting units for ${quoteInput(q)}: ${quoteInput(units[q])} (line ${unitLine[q]}) and ${quoteInput(u)}`,
      W(q),
    );
  }
  units[q] = u;
  unitLine[q] = line;
}

/** [calculation] `calc_key value...`: repeated keys collect into a list, `calc_pspot` always does. */
function readCalculation({ toks, text }: RecordLine, calc: Record<string, string | string[]>): void {
  const key = toks[0]!;
  const value = text.slice(key.length).trim();
  const prev = calc[key];
  if (key === "calc_pspot") calc[key] = [...((prev as string[] | undefined) ?? []), value];
  else if (prev === undefined) calc[key] = value;
  else calc[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
}

/** [atoms] `lattice`, `atom` or `symmetry` record. */
function readAtomsRecord(r: RecordLine, rec: MagresRecords): void {
  const { toks, data, W } = r;
  const key = toks[0]!;
  if (key === "lattice") {
    if (rec.lattice) throw new EngineError("ParseError", "second lattice line", W("lattice"));
    if (toks.length !== 10) {
      throw new EngineError(
        "ParseError",
        `wrong column count: lattice needs 9 numbers, found ${toks.length - 1}`,
        W("lattice"),
      );
    }
    rec.lattice = toks.slice(1).map((x, k) => parseFinite(x, W(`lattice[${k}]`)));
    rec.latticeLine = r.line;
  } else if (key === "atom") {
    rec.atoms.push(readAtom(r));
  } else if (key === "symmetry") {
    rec.symmetry.push(data.slice(key.length).trim());
  } else {
    throw new EngineError("ParseError", `unknown record ${quoteInput(key)} in [atoms] block`, W(key));
  }
}

/** `atom Species Label index x y z`. */
function readAtom({ toks, line, W }: RecordLine): AtomRec {
  if (toks.length !== 7) {
    throw new EngineError(
      "ParseError",
      `wrong column count: 'atom Species Label index x y z' needs 7 columns, found ${toks.length}`,
      W("atom"),
    );
  }
  const species = toks[1]!;
  const z = elementOf(species);
  if (z === undefined)
    throw new EngineError("ParseError", `unknown species ${quoteInput(species)}`, W("species"));
  return {
    species,
    z,
    label: toks[2]!,
    index: parseInteger(toks[3], W("index")),
    pos: [parseFinite(toks[4], W("x")), parseFinite(toks[5], W("y")), parseFinite(toks[6], W("z"))],
    line,
  };
}

type TensorShape = "atom" | "pair" | "global";

/** The shape of a [magres] record: from its key when known, otherwise from its columns. */
function tensorShape(toks: string[], W: (field: string) => Where): TensorShape {
  const key = toks[0]!;
  if (PAIR_KEYS.test(key)) return "pair";
  if (GLOBAL_KEYS.has(key)) return "global";
  if (allowedUnits(key) !== undefined || /^(ms|efg)/.test(key)) return "atom";
  if (toks.length === 12 && /^[+-]?\d+$/.test(toks[2]!)) return "atom";
  if (toks.length === 14 && /^[+-]?\d+$/.test(toks[2]!) && /^[+-]?\d+$/.test(toks[4]!)) return "pair";
  if (toks.length === 10) return "global";
  throw new EngineError("ParseError", `unrecognised record ${quoteInput(key)} in [magres] block`, W(key));
}

/** [magres] tensor record: per-atom `key Label index t11..t33`, pair or global. */
function readMagresRecord({ toks, line, W }: RecordLine, rec: MagresRecords): void {
  const key = toks[0]!;
  const shape = tensorShape(toks, W);
  const want = shape === "atom" ? 12 : shape === "pair" ? 14 : 10;
  if (toks.length !== want) {
    const form =
      shape === "atom"
        ? `${key} Label index t11..t33`
        : shape === "pair"
          ? `${key} Label1 index1 Label2 index2 t11..t33`
          : `${key} t11..t33`;
    throw new EngineError(
      "ParseError",
      `wrong column count: ${quoteInput(form)} needs ${want} columns, found ${toks.length}`,
      W(key),
    );
  }
  const values = toks.slice(want - 9).map((x, k) => parseFinite(x, W(`${key}[${k}]`)));
  if (shape === "atom") {
    rec.tensors.push({ key, label: toks[1]!, index: parseInteger(toks[2], W("index")), values, line });
  } else if (shape === "pair") {
    rec.pairs.push({
      key,
      label1: toks[1]!,
      index1: parseInteger(toks[2], W("index1")),
      label2: toks[3]!,
      index2: parseInteger(toks[4], W("index2")),
      tensor: values,
      line,
    });
  } else {
    if (rec.globals[key]) throw new EngineError("ParseError", `duplicate ${quoteInput(key)} line`, W(key));
    rec.globals[key] = values;
  }
}

// ---------------------------------------------------------------- atoms and their tensors

/** Lookup of atoms by (label, index), and by (species, index) with -1 where that is ambiguous. */
interface AtomLookup {
  byLabel: Map<string, number>;
  bySpecies: Map<string, number>;
}

const atomKey = (label: string, index: number) => `${label}\u0000${index}`;

/** The atoms of the [atoms] block, or without one those the tensor lines name (zero positions). */
function matchAtoms(
  rec: MagresRecords,
  file: string,
): { atoms: AtomRec[]; lookup: AtomLookup; positionsMissing: boolean } {
  if (rec.seenBlocks.has("atoms")) {
    return { atoms: rec.atoms, lookup: lookupAtoms(rec.atoms, file), positionsMissing: false };
  }
  return { ...atomsFromTensors(rec.tensors, file), positionsMissing: true };
}

/** Lookup of the [atoms] block's atoms; (label, index) must be unique. */
function lookupAtoms(atoms: AtomRec[], file: string): AtomLookup {
  const lookup: AtomLookup = { byLabel: new Map(), bySpecies: new Map() };
  atoms.forEach((a, i) => {
    const k = atomKey(a.label, a.index);
    const prev = lookup.byLabel.get(k);
    if (prev !== undefined) {
      throw new EngineError(
        "ParseError",
        `duplicate atom key (label ${quoteInput(a.label)}, index ${a.index}), first on line ${atoms[prev]!.line}`,
        { file, line: a.line, field: "atom" },
      );
    }
    lookup.byLabel.set(k, i);
    const ks = atomKey(symbolOf(a.z), a.index);
    lookup.bySpecies.set(ks, lookup.bySpecies.has(ks) ? -1 : i);
  });
  return lookup;
}

/** No [atoms] block: atoms in order of first appearance in the tensor lines. */
function atomsFromTensors(tensors: TensorRec[], file: string): { atoms: AtomRec[]; lookup: AtomLookup } {
  const atoms: AtomRec[] = [];
  const lookup: AtomLookup = { byLabel: new Map(), bySpecies: new Map() };
  for (const t of tensors) {
    const k = atomKey(t.label, t.index);
    if (lookup.byLabel.has(k)) continue;
    const z = elementOf(t.label);
    if (z === undefined) {
      throw new EngineError("ParseError", `cannot tell the element of label ${quoteInput(t.label)}`, {
        file,
        line: t.line,
        field: "label",
      });
    }
    lookup.byLabel.set(k, atoms.length);
    atoms.push({ species: symbolOf(z), z, label: t.label, index: t.index, pos: [0, 0, 0], line: t.line });
  }
  return { atoms, lookup };
}

/** The atom a tensor line names: by (label, index), else by (species, index) when that is unique. */
function resolveAtom(lookup: AtomLookup, label: string, index: number, where: Where): number {
  const i = lookup.byLabel.get(atomKey(label, index));
  if (i !== undefined) return i;
  const z = tryAtomicNumber(label);
  if (z !== undefined) {
    const j = lookup.bySpecies.get(atomKey(symbolOf(z), index));
    if (j !== undefined && j >= 0) return j;
  }
  throw new EngineError("ParseError", `no atom with label ${quoteInput(label)} and index ${index}`, where);
}

type Resolve = (label: string, index: number, line: number, field: string) => number;

/** One 9-column array per per-atom tensor key, NaN for atoms without a value; one value per atom and key. */
function tensorArrays(
  tensors: TensorRec[],
  n: number,
  resolve: Resolve,
  file: string,
): Map<string, AtomArray> {
  const arrays = new Map<string, AtomArray>();
  const filled = new Map<string, Int32Array>(); // line of the value per atom (0 = none), for duplicates
  for (const t of tensors) {
    const i = resolve(t.label, t.index, t.line, t.key);
    let a = arrays.get(t.key);
    if (!a) {
      a = { ncols: 9, data: new Float64Array(9 * n).fill(Number.NaN) };
      arrays.set(t.key, a);
      filled.set(t.key, new Int32Array(n));
    }
    const f = filled.get(t.key)!;
    if (f[i] !== 0) {
      throw new EngineError(
        "ParseError",
        `duplicate atom key: ${quoteInput(t.key)} for (label ${quoteInput(t.label)}, index ${t.index}) already given on line ${f[i]}`,
        { file, line: t.line, field: t.key },
      );
    }
    f[i] = t.line;
    (a.data as Float64Array).set(t.values, 9 * i);
  }
  return arrays;
}

/** Pair tensors into info, one list per key; their atom references are validated all the same. */
function addPairs(info: Record<string, unknown>, pairs: PairRec[], resolve: Resolve): void {
  for (const p of pairs) {
    resolve(p.label1, p.index1, p.line, p.key);
    resolve(p.label2, p.index2, p.line, p.key);
    const list = (info[p.key] as unknown[] | undefined) ?? [];
    list.push({ label1: p.label1, index1: p.index1, label2: p.label2, index2: p.index2, tensor: p.tensor });
    info[p.key] = list;
  }
}

/** [calculation] keys, global tensors, symmetry, units (lengths now in Å) and positionsMissing into info. */
function addInfo(info: Record<string, unknown>, rec: MagresRecords, positionsMissing: boolean): void {
  const { units } = rec;
  const outUnits: Record<string, string> = { ...units };
  if (units["atom"]) outUnits["atom"] = "Angstrom";
  if (units["lattice"]) outUnits["lattice"] = "Angstrom";
  Object.assign(info, rec.calc);
  for (const [k, v] of Object.entries(rec.globals)) info[k] = v;
  if (rec.symmetry.length > 0) info["symmetry"] = rec.symmetry;
  if (Object.keys(outUnits).length > 0) info["units"] = outUnits;
  if (positionsMissing) info["positionsMissing"] = true;
}

/** The factor from the file's unit of a length quantity ("atom" or "lattice") to Å. */
function unitScale(units: Record<string, string>, quantity: "atom" | "lattice"): number {
  return allowedUnits(quantity)![units[quantity] ?? "Angstrom"]!;
}

function scaledPositions(atoms: AtomRec[], scale: number): Float64Array {
  const positions = new Float64Array(3 * atoms.length);
  atoms.forEach((a, i) => {
    for (let k = 0; k < 3; k++) positions[3 * i + k] = a.pos[k]! * scale;
  });
  return positions;
}

/** Read a .magres file (gzip-compressed files are accepted). */
export function readMagres(file: string): Structure {
  return parseMagres(readTextMaybeGz(file), file);
}

// ---------------------------------------------------------------- writing

export interface MagresWriteOptions {
  /** Comment lines written after the version line (each prefixed with '# '). */
  comments?: readonly string[];
  /** [calculation] entries; default calc_code soapgpr. Values that are arrays give repeated lines. */
  calculation?: Readonly<Record<string, string | readonly string[]>>;
  /** Units for arrays whose unit cannot be inferred from the name (ms* → ppm, efg* → au). */
  units?: Readonly<Record<string, string>>;
}

function fmt(x: number): string {
  return String(x);
}

/**
 * Format a structure and some of its 9-column per-atom arrays (e.g. predicted `efg`) as a magres file.
 * Atoms whose values are NaN (masked) get no line. Atoms are identified by the structure's labels and its
 * `magres_index` array when present, otherwise by element symbol and a per-species counter (CASTEP style).
 */
export function formatMagres(
  structure: Structure,
  arrays: readonly string[],
  options: MagresWriteOptions = {},
): string {
  const symbols = structure.symbols();
  const labels = structure.labels ?? symbols;
  const index = magresIndices(structure, symbols);
  checkAtomKeys(labels, index);
  const units = dict<string>();
  for (const name of arrays) units[name] = arrayUnit(structure, name, options);

  const out: string[] = ["#$magres-abinitio-v1.0"];
  for (const c of options.comments ?? []) out.push(`# ${c.replace(/\n/g, " ")}`);
  out.push("[calculation]");
  const calc = options.calculation ?? { calc_code: "soapgpr" };
  for (const [k, v] of Object.entries(calc)) {
    for (const x of typeof v === "string" ? [v] : v) out.push(`${k} ${x.replace(/\n/g, " ")}`);
  }
  out.push("[/calculation]");
  out.push(...atomsBlock(structure, symbols, labels, index));
  out.push("[magres]");
  for (const name of arrays) {
    out.push(`units ${name} ${units[name]}`);
    out.push(...tensorLines(structure, name, labels, index));
  }
  out.push("[/magres]");
  return out.join("\n") + "\n";
}

/** The structure's `magres_index` array, otherwise a per-species counter from 1 (CASTEP style). */
function magresIndices(structure: Structure, symbols: readonly string[]): Int32Array {
  const index = new Int32Array(structure.length);
  const idxArr = structure.arrays.get("magres_index");
  if (idxArr && idxArr.data instanceof Int32Array) {
    index.set(idxArr.data);
    return index;
  }
  const counter = new Map<string, number>();
  symbols.forEach((s, i) => {
    const c = (counter.get(s) ?? 0) + 1;
    counter.set(s, c);
    index[i] = c;
  });
  return index;
}

/** Labels must be single words, and (label, index) unique, for the file to be read back. */
function checkAtomKeys(labels: readonly string[], index: Int32Array): void {
  const seen = new Map<string, number>();
  labels.forEach((l, i) => {
    if (!/^\S+$/.test(l)) {
      throw new EngineError(
        "InvalidParameter",
        `atom ${i}: label ${quoteInput(l)} cannot be written to magres`,
        {
          field: "label",
        },
      );
    }
    const k = `${l}\u0000${index[i]}`;
    if (seen.has(k)) {
      throw new EngineError(
        "InvalidParameter",
        `atoms ${seen.get(k)} and ${i} share the magres key (${l}, ${index[i]})`,
        { field: "label" },
      );
    }
    seen.set(k, i);
  });
}

/** The unit an array is written in: options.units, else ms* → ppm, efg* → au; checked against the quantity. */
function arrayUnit(structure: Structure, name: string, options: MagresWriteOptions): string {
  const a = structure.numericArray(name);
  if (a?.ncols !== 9) {
    throw new EngineError("InvalidParameter", `no 9-column per-atom array ${quoteInput(name)} to write`, {
      field: name,
    });
  }
  if (!/^[A-Za-z_]\w*$/.test(name) || PAIR_KEYS.test(name) || GLOBAL_KEYS.has(name)) {
    throw new EngineError("InvalidParameter", `array name ${quoteInput(name)} cannot be a magres record`, {
      field: name,
    });
  }
  const u =
    options.units?.[name] ??
    (name === "ms" || name.startsWith("ms_")
      ? "ppm"
      : name === "efg" || name.startsWith("efg_")
        ? "au"
        : undefined);
  if (u === undefined) {
    throw new EngineError(
      "InvalidParameter",
      `no unit known for array ${quoteInput(name)}: pass options.units`,
      {
        field: name,
      },
    );
  }
  const allowed = allowedUnits(name);
  if (allowed && own(allowed, u) === undefined) {
    throw new EngineError("InvalidParameter", `unit ${quoteInput(u)} is not valid for ${quoteInput(name)}`, {
      field: name,
    });
  }
  return u;
}

/** The [atoms] block: lattice (when periodic) and atom lines, in Å. */
function atomsBlock(
  structure: Structure,
  symbols: readonly string[],
  labels: readonly string[],
  index: Int32Array,
): string[] {
  const out = ["[atoms]"];
  if (structure.cell) {
    out.push("units lattice Angstrom");
    out.push(`lattice ${Array.from(structure.cell, fmt).join(" ")}`);
  }
  out.push("units atom Angstrom");
  const pos = structure.positions;
  for (let i = 0; i < structure.length; i++) {
    out.push(
      `atom ${symbols[i]} ${labels[i]} ${index[i]} ${fmt(pos[3 * i]!)} ${fmt(pos[3 * i + 1]!)} ${fmt(pos[3 * i + 2]!)}`,
    );
  }
  out.push("[/atoms]");
  return out;
}

/** One [magres] line per atom with a value of array `name` (NaN rows are masked atoms: no line). */
function tensorLines(
  structure: Structure,
  name: string,
  labels: readonly string[],
  index: Int32Array,
): string[] {
  const out: string[] = [];
  const a = structure.numericArray(name)!;
  for (let i = 0; i < structure.length; i++) {
    const row = a.data.subarray(9 * i, 9 * i + 9);
    if (row.some((x) => Number.isNaN(x))) continue;
    if (row.some((x) => !Number.isFinite(x))) {
      throw new EngineError("InvalidParameter", `atom ${i}: infinite value in ${quoteInput(name)}`, {
        field: name,
      });
    }
    out.push(`${name} ${labels[i]} ${index[i]} ${Array.from(row, fmt).join(" ")}`);
  }
  return out;
}

/** Write formatMagres output atomically (temp file + rename). */
export function writeMagres(
  file: string,
  structure: Structure,
  arrays: readonly string[],
  options: MagresWriteOptions = {},
): void {
  writeFileAtomic(file, formatMagres(structure, arrays, options));
}
