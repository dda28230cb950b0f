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

/** Element from a magres species / label token: "Li", "H:custom", "O1", "Ca2a". */
function elementOf(tok: string): number | undefined {
  return elementOfLabel(tok.split(":", 1)[0]!);
}

const OPEN_RE = /^[[<]\s*([A-Za-z_][\w-]*)\s*[\]>]$/;
const CLOSE_RE = /^[[<]\/\s*([A-Za-z_][\w-]*)\s*[\]>]$/;

/** Parse the text of a .magres file. */
export function parseMagres(text: string, file = "<string>"): Structure {
  checkLineLengths(text, file);
  const lines = text.split("\n");
  const atoms: AtomRec[] = [];
  const tensors: TensorRec[] = [];
  const pairs: PairRec[] = [];
  const globals = dict<number[]>();
  const units = dict<string>();
  const unitLine = dict<number>();
  const calc = dict<string | string[]>();
  const symmetry: string[] = [];
  let lattice: number[] | null = null;
  let latticeLine = 0;
  const seenBlocks = new Set<string>();
  let hasAtomsBlock = false;

  let block: { name: string; close: string; line: number; known: boolean } | null = null;

  for (let li = 0; li < lines.length; li++) {
    const lineNo = li + 1;
    let raw = lines[li]!;
    if (raw.endsWith("\r")) raw = raw.slice(0, -1);
    const t = raw.trim();
    if (t === "" || t.startsWith("#")) continue;
    const W = (field: string): Where => ({ file, line: lineNo, field });

    if (block === null) {
      const m = OPEN_RE.exec(t);
      if (!m) {
        throw new EngineError("ParseError", `text outside a [block]: ${quoteInput(t)}`, W("block"));
      }
      const name = m[1]!;
      const known = name === "atoms" || name === "magres" || name === "calculation";
      if (known && seenBlocks.has(name)) {
        throw new EngineError("ParseError", `duplicate [${name}] block`, W(name));
      }
      seenBlocks.add(name);
      if (name === "atoms") hasAtomsBlock = true;
      block = { name, close: name, line: lineNo, known };
      continue;
    }
    const mc = CLOSE_RE.exec(t);
    if (mc) {
      if (mc[1] !== block.name) {
        if (!block.known) continue; // free text of an unknown block may contain anything
        throw new EngineError(
          "ParseError",
          `block [${block.name}] opened on line ${block.line} is closed by [/${mc[1]}]`,
          W(block.name),
        );
      }
      block = null;
      continue;
    }
    if (!block.known) continue;
    if (OPEN_RE.test(t)) {
      throw new EngineError("ParseError", `nested block inside [${block.name}]`, W(block.name));
    }

    // inline comments in data blocks (the [calculation] block keeps free text such as calc_comment intact)
    const data = block.name === "calculation" ? t : t.split("#", 1)[0]!.trim();
    if (data === "") continue;
    const toks = data.split(/\s+/);
    const key = toks[0]!;
    if (key === "units") {
      if (toks.length !== 3) {
        throw new EngineError(
          "ParseError",
          `units line needs 'units QUANTITY UNIT', got ${quoteInput(t)}`,
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
      if (units[q] !== undefined && units[q] !== u) {
        throw new EngineError(
          "ParseError",
          `conflicting units for ${quoteInput(q)}: ${quoteInput(units[q])} (line ${unitLine[q]}) and ${quoteInput(u)}`,
          W(q),
        );
      }
      units[q] = u;
      unitLine[q] = lineNo;
      continue;
    }

    if (block.name === "calculation") {
      const value = t.slice(key.length).trim();
      const prev = calc[key];
      if (key === "calc_pspot") calc[key] = [...((prev as string[] | undefined) ?? []), value];
      else if (prev === undefined) calc[key] = value;
      else calc[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
      continue;
    }

    if (block.name === "atoms") {
      if (key === "lattice") {
        if (lattice) throw new EngineError("ParseError", "second lattice line", W("lattice"));
        if (toks.length !== 10) {
          throw new EngineError(
            "ParseError",
            `wrong column count: lattice needs 9 numbers, found ${toks.length - 1}`,
            W("lattice"),
          );
        }
        lattice = toks.slice(1).map((x, k) => parseFinite(x, W(`lattice[${k}]`)));
        latticeLine = lineNo;
      } else if (key === "atom") {
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
        atoms.push({
          species,
          z,
          label: toks[2]!,
          index: parseInteger(toks[3], W("index")),
          pos: [parseFinite(toks[4], W("x")), parseFinite(toks[5], W("y")), parseFinite(toks[6], W("z"))],
          line: lineNo,
        });
      } else if (key === "symmetry") {
        symmetry.push(data.slice(key.length).trim());
      } else {
        throw new EngineError("ParseError", `unknown record ${quoteInput(key)} in [atoms] block`, W(key));
      }
      continue;
    }

    // [magres] block
    const isPair = PAIR_KEYS.test(key);
    const isGlobal = GLOBAL_KEYS.has(key);
    const isAtom = !isPair && !isGlobal && (allowedUnits(key) !== undefined || /^(ms|efg)/.test(key));
    let shape: "atom" | "pair" | "global" | undefined;
    if (isPair) shape = "pair";
    else if (isGlobal) shape = "global";
    else if (isAtom) shape = "atom";
    else if (toks.length === 12 && /^[+-]?\d+$/.test(toks[2]!)) shape = "atom";
    else if (toks.length === 14 && /^[+-]?\d+$/.test(toks[2]!) && /^[+-]?\d+$/.test(toks[4]!)) shape = "pair";
    else if (toks.length === 10) shape = "global";
    else {
      throw new EngineError("ParseError", `unrecognised record ${quoteInput(key)} in [magres] block`, W(key));
    }
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
    const first = want - 9;
    const vals = toks.slice(first).map((x, k) => parseFinite(x, W(`${key}[${k}]`)));
    if (shape === "atom") {
      tensors.push({
        key,
        label: toks[1]!,
        index: parseInteger(toks[2], W("index")),
        values: vals,
        line: lineNo,
      });
    } else if (shape === "pair") {
      pairs.push({
        key,
        label1: toks[1]!,
        index1: parseInteger(toks[2], W("index1")),
        label2: toks[3]!,
        index2: parseInteger(toks[4], W("index2")),
        tensor: vals,
        line: lineNo,
      });
    } else {
      if (globals[key]) throw new EngineError("ParseError", `duplicate ${quoteInput(key)} line`, W(key));
      globals[key] = vals;
    }
  }
  if (block !== null) {
    throw new EngineError(
      "ParseError",
      `truncated file: block [${block.name}] opened on line ${block.line} is never closed`,
      { file, line: lines.length, field: block.name },
    );
  }
  if (!seenBlocks.has("atoms") && !seenBlocks.has("magres")) {
    throw new EngineError("ParseError", "not a magres file: no [atoms] or [magres] block", {
      file,
      line: 1,
      field: "block",
    });
  }

  // ---- atoms and their keys
  const info = dict<unknown>();
  const key2 = (label: string, index: number) => `${label}\u0000${index}`;
  const byLabel = new Map<string, number>();
  const bySpecies = new Map<string, number>(); // -1 = ambiguous
  let positionsMissing = false;
  if (hasAtomsBlock) {
    atoms.forEach((a, i) => {
      const k = key2(a.label, a.index);
      const prev = byLabel.get(k);
      if (prev !== undefined) {
        throw new EngineError(
          "ParseError",
          `duplicate atom key (label ${quoteInput(a.label)}, index ${a.index}), first on line ${atoms[prev]!.line}`,
          { file, line: a.line, field: "atom" },
        );
      }
      byLabel.set(k, i);
      const ks = key2(symbolOf(a.z), a.index);
      bySpecies.set(ks, bySpecies.has(ks) ? -1 : i);
    });
  } else {
    // no [atoms] block: atoms in order of first appearance in the tensor lines
    positionsMissing = true;
    for (const t of tensors) {
      const k = key2(t.label, t.index);
      if (byLabel.has(k)) continue;
      const z = elementOf(t.label);
      if (z === undefined) {
        throw new EngineError("ParseError", `cannot tell the element of label ${quoteInput(t.label)}`, {
          file,
          line: t.line,
          field: "label",
        });
      }
      byLabel.set(k, atoms.length);
      atoms.push({ species: symbolOf(z), z, label: t.label, index: t.index, pos: [0, 0, 0], line: t.line });
    }
  }
  const n = atoms.length;
  const resolve = (label: string, index: number, line: number, field: string): number => {
    const i = byLabel.get(key2(label, index));
    if (i !== undefined) return i;
    const z = tryAtomicNumber(label);
    if (z !== undefined) {
      const j = bySpecies.get(key2(symbolOf(z), index));
      if (j !== undefined && j >= 0) return j;
    }
    throw new EngineError("ParseError", `no atom with label ${quoteInput(label)} and index ${index}`, {
      file,
      line,
      field,
    });
  };

  // ---- per-atom tensor arrays
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
  for (const p of pairs) {
    // validate the atom references even though pair tensors live in info
    resolve(p.label1, p.index1, p.line, p.key);
    resolve(p.label2, p.index2, p.line, p.key);
    const list = (info[p.key] as unknown[] | undefined) ?? [];
    list.push({ label1: p.label1, index1: p.index1, label2: p.label2, index2: p.index2, tensor: p.tensor });
    info[p.key] = list;
  }

  // ---- units
  const posScale = allowedUnits("atom")![units["atom"] ?? "Angstrom"]!;
  const latScale = allowedUnits("lattice")![units["lattice"] ?? "Angstrom"]!;
  const positions = new Float64Array(3 * n);
  atoms.forEach((a, i) => {
    for (let k = 0; k < 3; k++) positions[3 * i + k] = a.pos[k]! * posScale;
  });
  const outUnits: Record<string, string> = { ...units };
  if (units["atom"]) outUnits["atom"] = "Angstrom";
  if (units["lattice"]) outUnits["lattice"] = "Angstrom";

  Object.assign(info, calc);
  for (const [k, v] of Object.entries(globals)) info[k] = v;
  if (symmetry.length > 0) info["symmetry"] = symmetry;
  if (Object.keys(outUnits).length > 0) info["units"] = outUnits;
  if (positionsMissing) info["positionsMissing"] = true;

  arrays.set("magres_index", { ncols: 1, data: Int32Array.from(atoms, (a) => a.index) });
  if (atoms.some((a) => a.species.includes(":"))) {
    arrays.set("magres_species", { ncols: 1, data: atoms.map((a) => a.species) });
  }

  const cell = lattice ? lattice.map((x) => x * latScale) : null;
  const structure = () =>
    new Structure({
      numbers: atoms.map((a) => a.z),
      positions,
      cell,
      pbc: cell ? [true, true, true] : [false, false, false],
      labels: atoms.map((a) => a.label),
      arrays,
      info,
    });
  return locate({ file, line: latticeLine || 1, field: "lattice" }, structure);
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
  const n = structure.length;
  const symbols = structure.symbols();
  const labels = structure.labels ?? symbols;
  const idxArr = structure.arrays.get("magres_index");
  const index = new Int32Array(n);
  if (idxArr && idxArr.data instanceof Int32Array) index.set(idxArr.data);
  else {
    const counter = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const c = (counter.get(symbols[i]!) ?? 0) + 1;
      counter.set(symbols[i]!, c);
      index[i] = c;
    }
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
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
  }
  const units: Record<string, string> = {};
  for (const name of arrays) {
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
      throw new EngineError(
        "InvalidParameter",
        `unit ${quoteInput(u)} is not valid for ${quoteInput(name)}`,
        { field: name },
      );
    }
    units[name] = u;
  }

  const out: string[] = ["#$magres-abinitio-v1.0"];
  for (const c of options.comments ?? []) out.push(`# ${c.replace(/\n/g, " ")}`);
  out.push("[calculation]");
  const calc = options.calculation ?? { calc_code: "soapgpr" };
  for (const [k, v] of Object.entries(calc)) {
    for (const x of typeof v === "string" ? [v] : v) out.push(`${k} ${x.replace(/\n/g, " ")}`);
  }
  out.push("[/calculation]");
  out.push("[atoms]");
  if (structure.cell) {
    out.push("units lattice Angstrom");
    out.push(`lattice ${Array.from(structure.cell, fmt).join(" ")}`);
  }
  out.push("units atom Angstrom");
  const pos = structure.positions;
  for (let i = 0; i < n; i++) {
    out.push(
      `atom ${symbols[i]} ${labels[i]} ${index[i]} ${fmt(pos[3 * i]!)} ${fmt(pos[3 * i + 1]!)} ${fmt(pos[3 * i + 2]!)}`,
    );
  }
  out.push("[/atoms]");
  out.push("[magres]");
  for (const name of arrays) {
    out.push(`units ${name} ${units[name]}`);
    const a = structure.numericArray(name)!;
    for (let i = 0; i < n; i++) {
      const row = a.data.subarray(9 * i, 9 * i + 9);
      if (row.some((x) => Number.isNaN(x))) continue;
      if (row.some((x) => !Number.isFinite(x))) {
        throw new EngineError("InvalidParameter", `atom ${i}: infinite value in ${quoteInput(name)}`, {
          field: name,
        });
      }
      out.push(`${name} ${labels[i]} ${index[i]} ${Array.from(row, fmt).join(" ")}`);
    }
  }
  out.push("[/magres]");
  return out.join("\n") + "\n";
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
