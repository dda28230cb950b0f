/**
 * CIF (crystallographic information file, CIF 1.1 syntax) reader: cell, fractional atom sites, symmetry
 * operations expanded to P1 with duplicate merging, occupancies kept.
 *
 * - Cell from `_cell_length_a/b/c`, `_cell_angle_alpha/beta/gamma` in the standard orientation
 *   (a along x, b in the xy plane, c completing a right-handed set). Numbers may carry uncertainties "1.234(5)".
 * - Sites from the `_atom_site_*` loop: fract_x/y/z, type_symbol (charges such as "Ti4+" stripped) or the
 *   label's leading letters, occupancy (default 1).
 * - Symmetry operations from `_space_group_symop_operation_xyz` or `_symmetry_equiv_pos_as_xyz` ('x,y,z',
 *   '-x+1/2,y,-z', '1/2+x', 'x-y', '0.25-y' ...). Without operations the structure must be P1.
 * - Every site is mapped through every operation, wrapped into [0,1) and images closer than `tolerance`
 *   (Cartesian, with periodic wrap) to an image already kept are dropped.
 * - Mixed occupancy: atom sites of different species on the same position (e.g. Li/Ti on 16d in
 *   Li4Ti5O12) are merged into one atom carrying the species of largest occupancy (`mergeMixed`, default true);
 *   `info.mixedSites` lists each such group. With mergeMixed=false the coincident atoms are all kept.
 *
 * Mapping onto Structure: labels = `_atom_site_label`; arrays `occupancy` (Float64, occupancy of the species
 * kept) and `site` (string, the label of the asymmetric-unit site the atom was generated from);
 * info: `cif_block`, `spacegroup` (H-M symbol when given), `formula` (when given), `mixedSites`.
 */
import { symbolOf, tryAtomicNumber } from "../core/elements.js";
import { EngineError, quoteInput } from "../core/errors.js";
import { type AtomArray, Structure } from "../core/structure.js";
import { checkLineLengths } from "./_text.js";
import { readTextMaybeGz } from "./atomic.js";

export interface CifReadOptions {
  /** Images closer than this (Å) are the same site. Default 0.01 Å (CIF coordinates are often rounded to
   *  4 decimals, which on a 20 Å cell puts equivalent images up to ~2e-3 Å apart; real atoms are ≥ 0.5 Å apart). */
  tolerance?: number;
  /** Merge sites of different species on the same position (mixed occupancy). Default true. */
  mergeMixed?: boolean;
  /** Name of the data block to read (without `data_`). Default: the first block with a cell. */
  block?: string;
}

interface Tok {
  text: string;
  line: number;
  /** quoted or text field: never a tag or reserved word */
  quoted: boolean;
}

/** Split CIF text into tokens with line numbers (CIF 1.1: quotes, ;-text fields, # comments). */
function tokenize(text: string, file: string): Tok[] {
  checkLineLengths(text, file);
  const lines = text.split("\n");
  const out: Tok[] = [];
  for (let li = 0; li < lines.length; li++) {
    let line = lines[li]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.startsWith(";")) {
      const start = li;
      const parts = [line.slice(1)];
      li++;
      while (li < lines.length && !lines[li]!.startsWith(";")) {
        parts.push(lines[li]!.replace(/\r$/, ""));
        li++;
      }
      if (li >= lines.length) {
        throw new EngineError("ParseError", "unterminated ';' text field", {
          file,
          line: start + 1,
          field: "text field",
        });
      }
      out.push({ text: parts.join("\n").trim(), line: start + 1, quoted: true });
      continue;
    }
    const n = line.length;
    let i = 0;
    while (i < n) {
      const c = line[i]!;
      if (c === " " || c === "\t") {
        i++;
        continue;
      }
      if (c === "#") break;
      if (c === "'" || c === '"') {
        let j = i + 1;
        while (j < n && !(line[j] === c && (j + 1 >= n || line[j + 1] === " " || line[j + 1] === "\t"))) j++;
        if (j >= n) {
          throw new EngineError("ParseError", `unterminated ${c}-quoted value`, {
            file,
            line: li + 1,
            field: "quote",
          });
        }
        out.push({ text: line.slice(i + 1, j), line: li + 1, quoted: true });
        i = j + 1;
        continue;
      }
      let j = i;
      while (j < n && line[j] !== " " && line[j] !== "\t") j++;
      out.push({ text: line.slice(i, j), line: li + 1, quoted: false });
      i = j;
    }
  }
  return out;
}

interface CifLoop {
  tags: string[];
  rows: Tok[][];
  line: number;
}

interface CifBlock {
  name: string;
  line: number;
  items: Map<string, Tok>;
  loops: CifLoop[];
}

function isReserved(t: Tok): boolean {
  if (t.quoted) return false;
  const l = t.text.toLowerCase();
  return l === "loop_" || l.startsWith("data_") || l.startsWith("save_") || l === "global_" || l === "stop_";
}

function isTag(t: Tok): boolean {
  return !t.quoted && t.text.startsWith("_");
}

/** The data blocks of a token stream: each `data_` opens one, holding `_tag value` items and `loop_`s. */
function parseBlocks(toks: Tok[], file: string): CifBlock[] {
  const blocks: CifBlock[] = [];
  let cur: CifBlock | null = null;
  let i = 0;
  while (i < toks.length) {
    const t = toks[i]!;
    const low = t.text.toLowerCase();
    if (!t.quoted && low.startsWith("data_")) {
      cur = { name: t.text.slice(5), line: t.line, items: new Map(), loops: [] };
      blocks.push(cur);
      i++;
    } else if (!cur) {
      throw new EngineError("ParseError", `content before the first data_ block: ${quoteInput(t.text)}`, {
        file,
        line: t.line,
        field: "data_",
      });
    } else if (!t.quoted && low === "loop_") {
      i = readLoop(toks, i, cur, file);
    } else if (isTag(t)) {
      i = readItem(toks, i, cur, file);
    } else if (!t.quoted && (low.startsWith("save_") || low === "global_" || low === "stop_")) {
      i++;
    } else {
      throw new EngineError("ParseError", `unexpected value ${quoteInput(t.text)} without a tag`, {
        file,
        line: t.line,
        field: "value",
      });
    }
  }
  return blocks;
}

/** The `loop_` at toks[start]: its tags, then its values row by row into `block`; returns the next index. */
function readLoop(toks: Tok[], start: number, block: CifBlock, file: string): number {
  const t = toks[start]!;
  const loop: CifLoop = { tags: [], rows: [], line: t.line };
  let i = start + 1;
  while (i < toks.length && isTag(toks[i]!)) loop.tags.push(toks[i++]!.text.toLowerCase());
  const vals: Tok[] = [];
  while (i < toks.length && !isTag(toks[i]!) && !isReserved(toks[i]!)) vals.push(toks[i++]!);
  if (loop.tags.length === 0) {
    throw new EngineError("ParseError", "loop_ without tags", { file, line: t.line, field: "loop_" });
  }
  if (vals.length % loop.tags.length !== 0) {
    throw new EngineError(
      "ParseError",
      `wrong column count: loop of ${loop.tags.length} tags (${loop.tags[0]}, ...) has ${vals.length} values, not a multiple`,
      { file, line: vals.at(-1)?.line ?? t.line, field: loop.tags[0]! },
    );
  }
  for (let r = 0; r < vals.length; r += loop.tags.length) loop.rows.push(vals.slice(r, r + loop.tags.length));
  block.loops.push(loop);
  return i;
}

/** The `_tag value` item at toks[start] into `block`; returns the next index. */
function readItem(toks: Tok[], start: number, block: CifBlock, file: string): number {
  const t = toks[start]!;
  const v = toks[start + 1];
  if (v === undefined || isTag(v) || isReserved(v)) {
    throw new EngineError("ParseError", `tag ${t.text} has no value`, {
      file,
      line: t.line,
      field: t.text,
    });
  }
  block.items.set(t.text.toLowerCase(), v);
  return start + 2;
}

/** A CIF number, uncertainty in parentheses stripped; undefined for '?' / '.' (unknown / inapplicable). */
function cifNumber(t: Tok, file: string, field: string): number | undefined {
  if (!t.quoted && (t.text === "?" || t.text === ".")) return undefined;
  const s = t.text.replace(/\(\d+\)$/, "");
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) {
    throw new EngineError("ParseError", `non-numeric value ${quoteInput(t.text)}`, {
      file,
      line: t.line,
      field,
    });
  }
  const v = Number(s);
  if (!Number.isFinite(v)) {
    throw new EngineError("ParseError", `non-finite value ${quoteInput(t.text)}`, {
      file,
      line: t.line,
      field,
    });
  }
  return v;
}

/** One symmetry operation: f' = R f + t (R row-major 3x3). */
export interface SymOp {
  R: number[];
  t: number[];
}

/** Parse an operation such as '-x+1/2, y, -z' or '1/2+x,x-y,0.25-z'. */
export function parseSymOp(text: string, where: { file: string; line: number; field: string }): SymOp {
  const parts = text.replace(/\s+/g, "").toLowerCase().split(",");
  if (parts.length !== 3) {
    throw new EngineError(
      "ParseError",
      `symmetry operation ${quoteInput(text)} needs 3 comma-separated parts`,
      where,
    );
  }
  const R = new Array<number>(9).fill(0);
  const t = [0, 0, 0];
  parts.forEach((p, row) => {
    if (p === "") throw new EngineError("ParseError", `empty component in ${quoteInput(text)}`, where);
    const terms = p.match(/[+-]?[^+-]+/g);
    if (!terms || terms.join("") !== p) {
      throw new EngineError("ParseError", `cannot read symmetry operation ${quoteInput(text)}`, where);
    }
    for (const term of terms) {
      const m = /^([+-]?)(\d*\.?\d*(?:\/\d+)?)\*?([xyz]?)$/.exec(term);
      if (!m || (m[2] === "" && m[3] === "")) {
        throw new EngineError(
          "ParseError",
          `cannot read term ${quoteInput(term)} of symmetry operation ${quoteInput(text)}`,
          where,
        );
      }
      const sign = m[1] === "-" ? -1 : 1;
      let mag = 1;
      if (m[2] !== "") {
        const [num, den] = m[2]!.split("/");
        mag = Number(num) / (den !== undefined ? Number(den) : 1);
        if (!Number.isFinite(mag)) {
          throw new EngineError("ParseError", `bad number in symmetry operation ${quoteInput(text)}`, where);
        }
      }
      if (m[3] === "") t[row]! += sign * mag;
      else R[3 * row + "xyz".indexOf(m[3]!)]! += sign * mag;
    }
  });
  return { R, t };
}

/** Lattice vectors (rows) from cell lengths (Å) and angles (degrees) in the standard orientation. */
export function cellFromParameters(
  a: number,
  b: number,
  c: number,
  alpha: number,
  beta: number,
  gamma: number,
) {
  const rad = Math.PI / 180;
  // exact values for right angles avoid 6e-17 noise in orthogonal cells
  const cos = (d: number) => (d === 90 ? 0 : Math.cos(d * rad));
  const sin = (d: number) => (d === 90 ? 1 : Math.sin(d * rad));
  const ca = cos(alpha);
  const cb = cos(beta);
  const cg = cos(gamma);
  const sg = sin(gamma);
  const cy = (ca - cb * cg) / sg;
  const cz2 = 1 - cb * cb - cy * cy;
  if (!(cz2 > 0) || !(sg > 0)) {
    throw new EngineError(
      "InvalidParameter",
      `cell angles ${alpha}, ${beta}, ${gamma} do not form a valid cell`,
    );
  }
  return new Float64Array([a, 0, 0, b * cg, b * sg, 0, c * cb, c * cy, c * Math.sqrt(cz2)]);
}

function elementFrom(symbol: string | undefined, label: string): number | undefined {
  for (const s of [symbol, label]) {
    if (!s) continue;
    const m = /^([A-Za-z][a-z]?)/.exec(s);
    if (!m) continue;
    const z = tryAtomicNumber(m[1]!) ?? tryAtomicNumber(m[1]!.slice(0, 1));
    if (z !== undefined) return z;
  }
  return undefined;
}

/** An asymmetric-unit site of the `_atom_site_*` loop. */
interface Site {
  label: string;
  z: number;
  f: number[];
  occ: number;
}

/** An image of a site under a symmetry operation, fractional coordinates wrapped into [0,1). */
interface Img {
  site: number;
  f: number[];
}

/** A group of sites of different species on one position, as listed in `info.mixedSites`. */
interface MixedGroup {
  labels: string[];
  species: string[];
  occupancies: number[];
  count: number;
}

/** Parse CIF text into a P1 structure (see module documentation). */
export function parseCif(text: string, file = "<string>", options: CifReadOptions = {}): Structure {
  const tol = options.tolerance ?? 0.01;
  const block = selectBlock(parseBlocks(tokenize(text, file), file), options.block, file);
  const cell = readCell(block, file);
  const { ops, hmTok } = symmetryOps(block, file);
  const sites = atomSites(block, file);
  const dist2 = (f1: ArrayLike<number>, f2: ArrayLike<number>) => periodicDist2(cell, f1, f2);
  const perSite = sites.map((s, si) => siteImages(s, si, ops, dist2, tol * tol));
  const kept = mergeImages(perSite, sites, options.mergeMixed ?? true, dist2, tol * tol);
  const groups = mixedGroups(kept, sites);

  const n = kept.length;
  const numbers = new Int32Array(n);
  const positions = new Float64Array(3 * n);
  const occupancy = new Float64Array(n);
  const labels: string[] = [];
  kept.forEach((k, i) => {
    const s = sites[k.img.site]!;
    numbers[i] = s.z;
    occupancy[i] = s.occ;
    labels.push(s.label);
    const f = k.img.f;
    for (let d = 0; d < 3; d++) {
      positions[3 * i + d] = f[0]! * cell[d]! + f[1]! * cell[3 + d]! + f[2]! * cell[6 + d]!;
    }
  });
  const info: Record<string, unknown> = { cif_block: block.name };
  if (hmTok) info["spacegroup"] = hmTok.text;
  const formula = block.items.get("_chemical_formula_sum");
  if (formula) info["formula"] = formula.text;
  if (groups.size > 0) info["mixedSites"] = [...groups.values()];
  const arrays = new Map<string, AtomArray>([
    ["occupancy", { ncols: 1, data: occupancy }],
    ["site", { ncols: 1, data: labels.slice() }],
  ]);
  return new Structure({ numbers, positions, cell, pbc: [true, true, true], labels, arrays, info });
}

/** The data block named `name`, or by default the first with a cell. */
function selectBlock(blocks: CifBlock[], name: string | undefined, file: string): CifBlock {
  const block =
    name !== undefined
      ? blocks.find((b) => b.name === name)
      : blocks.find((b) => b.items.has("_cell_length_a"));
  if (!block) {
    throw new EngineError(
      "ParseError",
      name !== undefined ? `no data block ${quoteInput(name)}` : "no data block with a cell (_cell_length_a)",
      { file, line: 1, field: "_cell_length_a" },
    );
  }
  return block;
}

/** The item `tag` of the block; it must be there. */
function blockItem(block: CifBlock, tag: string, file: string): Tok {
  const t = block.items.get(tag);
  if (!t) throw new EngineError("ParseError", `missing ${tag}`, { file, line: block.line, field: tag });
  return t;
}

/** The numeric item `tag` of the block; it must be there and known. */
function blockNumber(block: CifBlock, tag: string, file: string): number {
  const t = blockItem(block, tag, file);
  const v = cifNumber(t, file, tag);
  if (v === undefined)
    throw new EngineError("ParseError", `${tag} is unknown (${quoteInput(t.text)})`, {
      file,
      line: t.line,
      field: tag,
    });
  return v;
}

/** Lattice vectors from `_cell_length_*` and `_cell_angle_*`; an impossible cell is reported at alpha. */
function readCell(block: CifBlock, file: string): Float64Array {
  const num = (tag: string) => blockNumber(block, tag, file);
  const a = num("_cell_length_a");
  const b = num("_cell_length_b");
  const c = num("_cell_length_c");
  try {
    return cellFromParameters(
      a,
      b,
      c,
      num("_cell_angle_alpha"),
      num("_cell_angle_beta"),
      num("_cell_angle_gamma"),
    );
  } catch (e) {
    if (e instanceof EngineError && e.file === undefined) {
      throw new EngineError("ParseError", e.message, {
        file,
        line: blockItem(block, "_cell_angle_alpha", file).line,
        field: "_cell_angle_alpha",
      });
    }
    throw e;
  }
}

const OP_TAGS = [
  "_space_group_symop_operation_xyz",
  "_symmetry_equiv_pos_as_xyz",
  "_space_group_symop.operation_xyz",
];

/** The symmetry operations (a loop or a single item of the first tag present); without any, P1's identity. */
function symmetryOps(block: CifBlock, file: string): { ops: SymOp[]; hmTok: Tok | undefined } {
  const ops: SymOp[] = [];
  for (const tag of OP_TAGS) {
    const loop = block.loops.find((l) => l.tags.includes(tag));
    if (loop) {
      const col = loop.tags.indexOf(tag);
      for (const row of loop.rows)
        ops.push(parseSymOp(row[col]!.text, { file, line: row[col]!.line, field: tag }));
      break;
    }
    const single = block.items.get(tag);
    if (single) {
      ops.push(parseSymOp(single.text, { file, line: single.line, field: tag }));
      break;
    }
  }
  const hmTok =
    block.items.get("_space_group_name_h-m_alt") ?? block.items.get("_symmetry_space_group_name_h-m");
  const sgNumTok =
    block.items.get("_space_group_it_number") ?? block.items.get("_symmetry_int_tables_number");
  if (ops.length === 0) {
    const hm = hmTok?.text.replace(/\s+/g, "").toUpperCase();
    const isP1 = (hm === undefined || hm === "P1") && (sgNumTok === undefined || sgNumTok.text === "1");
    if (!isP1) {
      throw new EngineError(
        "ParseError",
        `space group ${hmTok?.text ?? sgNumTok?.text} given without symmetry operations (_space_group_symop_operation_xyz)`,
        { file, line: (hmTok ?? sgNumTok)!.line, field: "_space_group_symop_operation_xyz" },
      );
    }
    ops.push({ R: [1, 0, 0, 0, 1, 0, 0, 0, 1], t: [0, 0, 0] });
  }
  return { ops, hmTok };
}

/** Column of each `_atom_site_*` tag in the site loop (-1 when absent). */
interface SiteColumns {
  fract: [number, number, number];
  label: number;
  type: number;
  occ: number;
}

const FRACT_TAGS = ["_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z"];

/** The sites of the `_atom_site_*` loop (the one with fract_x; fract_y and fract_z required). */
function atomSites(block: CifBlock, file: string): Site[] {
  const siteLoop = block.loops.find((l) => l.tags.includes("_atom_site_fract_x"));
  if (!siteLoop) {
    throw new EngineError("ParseError", "no _atom_site_fract_x loop", {
      file,
      line: block.line,
      field: "_atom_site_fract_x",
    });
  }
  const col = (tag: string) => siteLoop.tags.indexOf(tag);
  const cols: SiteColumns = {
    fract: [col("_atom_site_fract_x"), col("_atom_site_fract_y"), col("_atom_site_fract_z")],
    label: col("_atom_site_label"),
    type: col("_atom_site_type_symbol"),
    occ: col("_atom_site_occupancy"),
  };
  if (cols.fract[1] < 0 || cols.fract[2] < 0) {
    throw new EngineError("ParseError", "atom site loop lacks _atom_site_fract_y/z", {
      file,
      line: siteLoop.line,
      field: "_atom_site_fract_y",
    });
  }
  return siteLoop.rows.map((row, r) => readSite(row, r, cols, file));
}

/** One row of the site loop: label (default site<r+1>), element, fractional coordinates, occupancy in (0, 1]. */
function readSite(row: Tok[], r: number, cols: SiteColumns, file: string): Site {
  const label = cols.label >= 0 ? row[cols.label]!.text : `site${r + 1}`;
  const sym = cols.type >= 0 ? row[cols.type]!.text : undefined;
  const z = elementFrom(sym, label);
  if (z === undefined) {
    const t = row[cols.type >= 0 ? cols.type : Math.max(cols.label, 0)]!;
    throw new EngineError("ParseError", `cannot tell the element of site ${quoteInput(label)}`, {
      file,
      line: t.line,
      field: cols.type >= 0 ? "_atom_site_type_symbol" : "_atom_site_label",
    });
  }
  const f = cols.fract.map((ci, k) => {
    const tag = FRACT_TAGS[k]!;
    const v = cifNumber(row[ci]!, file, tag);
    if (v === undefined) {
      throw new EngineError("ParseError", `unknown coordinate ${quoteInput(row[ci]!.text)}`, {
        file,
        line: row[ci]!.line,
        field: tag,
      });
    }
    return v;
  });
  const occ = cols.occ >= 0 ? (cifNumber(row[cols.occ]!, file, "_atom_site_occupancy") ?? 1) : 1;
  if (!(occ > 0 && occ <= 1 + 1e-6)) {
    throw new EngineError("ParseError", `occupancy ${occ} outside (0, 1]`, {
      file,
      line: row[cols.occ]!.line,
      field: "_atom_site_occupancy",
    });
  }
  return { label, z, f, occ };
}

/** Squared Cartesian distance (Å²) between two fractional positions, to the nearest periodic image. */
function periodicDist2(cell: Float64Array, f1: ArrayLike<number>, f2: ArrayLike<number>): number {
  const d0 = f1[0]! - f2[0]!;
  const d1 = f1[1]! - f2[1]!;
  const d2 = f1[2]! - f2[2]!;
  const e0 = d0 - Math.round(d0);
  const e1 = d1 - Math.round(d1);
  const e2 = d2 - Math.round(d2);
  const x = e0 * cell[0]! + e1 * cell[3]! + e2 * cell[6]!;
  const y = e0 * cell[1]! + e1 * cell[4]! + e2 * cell[7]!;
  const zc = e0 * cell[2]! + e1 * cell[5]! + e2 * cell[8]!;
  return x * x + y * y + zc * zc;
}

type Dist2 = (f1: ArrayLike<number>, f2: ArrayLike<number>) => number;

/** The distinct images of site `si` under the operations (closer than the tolerance: the same image). */
function siteImages(s: Site, si: number, ops: SymOp[], dist2: Dist2, tol2: number): Img[] {
  const imgs: Img[] = [];
  for (const op of ops) {
    const f = [0, 1, 2].map((r) => {
      const v = op.R[3 * r]! * s.f[0]! + op.R[3 * r + 1]! * s.f[1]! + op.R[3 * r + 2]! * s.f[2]! + op.t[r]!;
      const w = v - Math.floor(v);
      return w >= 1 - 1e-12 ? 0 : w;
    });
    if (!imgs.some((im) => dist2(im.f, f) < tol2)) imgs.push({ site: si, f });
  }
  return imgs;
}

/**
 * The atoms kept: coincident images of different sites (mixed occupancy) merge into one carrying the species of
 * largest occupancy, with every site in `members`; with mergeMixed=false all are kept.
 */
function mergeImages(
  perSite: Img[][],
  sites: Site[],
  mergeMixed: boolean,
  dist2: Dist2,
  tol2: number,
): { img: Img; members: number[] }[] {
  const kept: { img: Img; members: number[] }[] = [];
  for (const imgs of perSite) {
    for (const img of imgs) {
      const hit = kept.find((k) => dist2(k.img.f, img.f) < tol2);
      if (hit) {
        if (!mergeMixed) {
          kept.push({ img, members: [img.site] });
          continue;
        }
        hit.members.push(img.site);
        // keep the species of largest occupancy
        if (sites[img.site]!.occ > sites[hit.img.site]!.occ) hit.img = { site: img.site, f: hit.img.f };
      } else {
        kept.push({ img, members: [img.site] });
      }
    }
  }
  return kept;
}

/** The merged atoms grouped by the labels of their sites, with how many atoms each group gave. */
function mixedGroups(kept: { members: number[] }[], sites: Site[]): Map<string, MixedGroup> {
  const groups = new Map<string, MixedGroup>();
  for (const k of kept) {
    if (k.members.length < 2) continue;
    const labels = k.members.map((m) => sites[m]!.label);
    const key = labels.join("|");
    const g = groups.get(key);
    if (g) g.count++;
    else {
      groups.set(key, {
        labels,
        species: k.members.map((m) => symbolOf(sites[m]!.z)),
        occupancies: k.members.map((m) => sites[m]!.occ),
        count: 1,
      });
    }
  }
  return groups;
}

/** Read a CIF file (`.gz` accepted). */
export function readCif(file: string, options: CifReadOptions = {}): Structure {
  return parseCif(readTextMaybeGz(file), file, options);
}
