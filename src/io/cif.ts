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
      continue;
    }
    if (!cur) {
      throw new EngineError("ParseError", `content before the first data_ block: ${quoteInput(t.text)}`, {
        file,
        line: t.line,
        field: "data_",
      });
    }
    if (!t.quoted && low === "loop_") {
      const loop: CifLoop = { tags: [], rows: [], line: t.line };
      i++;
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
      for (let r = 0; r < vals.length; r += loop.tags.length)
        loop.rows.push(vals.slice(r, r + loop.tags.length));
      cur.loops.push(loop);
      continue;
    }
    if (isTag(t)) {
      const v = toks[i + 1];
      if (v === undefined || isTag(v) || isReserved(v)) {
        throw new EngineError("ParseError", `tag ${t.text} has no value`, {
          file,
          line: t.line,
          field: t.text,
        });
      }
      cur.items.set(t.text.toLowerCase(), v);
      i += 2;
      continue;
    }
    if (!t.quoted && (low.startsWith("save_") || low === "global_" || low === "stop_")) {
      i++;
      continue;
    }
    throw new EngineError("ParseError", `unexpected value ${quoteInput(t.text)} without a tag`, {
      file,
      line: t.line,
      field: "value",
    });
  }
  return blocks;
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

/** Parse CIF text into a P1 structure (see module documentation). */
export function parseCif(text: string, file = "<string>", options: CifReadOptions = {}): Structure {
  const tol = options.tolerance ?? 0.01;
  const mergeMixed = options.mergeMixed ?? true;
  const blocks = parseBlocks(tokenize(text, file), file);
  const block =
    options.block !== undefined
      ? blocks.find((b) => b.name === options.block)
      : blocks.find((b) => b.items.has("_cell_length_a"));
  if (!block) {
    throw new EngineError(
      "ParseError",
      options.block !== undefined
        ? `no data block ${quoteInput(options.block)}`
        : "no data block with a cell (_cell_length_a)",
      { file, line: 1, field: "_cell_length_a" },
    );
  }
  const item = (tag: string): Tok => {
    const t = block.items.get(tag);
    if (!t) throw new EngineError("ParseError", `missing ${tag}`, { file, line: block.line, field: tag });
    return t;
  };
  const num = (tag: string): number => {
    const t = item(tag);
    const v = cifNumber(t, file, tag);
    if (v === undefined)
      throw new EngineError("ParseError", `${tag} is unknown (${quoteInput(t.text)})`, {
        file,
        line: t.line,
        field: tag,
      });
    return v;
  };
  const a = num("_cell_length_a");
  const b = num("_cell_length_b");
  const c = num("_cell_length_c");
  let cell: Float64Array;
  try {
    cell = cellFromParameters(
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
        line: item("_cell_angle_alpha").line,
        field: "_cell_angle_alpha",
      });
    }
    throw e;
  }

  // symmetry operations
  const opTags = [
    "_space_group_symop_operation_xyz",
    "_symmetry_equiv_pos_as_xyz",
    "_space_group_symop.operation_xyz",
  ];
  const ops: SymOp[] = [];
  for (const tag of opTags) {
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

  // atom sites
  const siteLoop = block.loops.find((l) => l.tags.includes("_atom_site_fract_x"));
  if (!siteLoop) {
    throw new EngineError("ParseError", "no _atom_site_fract_x loop", {
      file,
      line: block.line,
      field: "_atom_site_fract_x",
    });
  }
  const col = (tag: string) => siteLoop.tags.indexOf(tag);
  const cx = col("_atom_site_fract_x");
  const cyy = col("_atom_site_fract_y");
  const cz = col("_atom_site_fract_z");
  if (cyy < 0 || cz < 0) {
    throw new EngineError("ParseError", "atom site loop lacks _atom_site_fract_y/z", {
      file,
      line: siteLoop.line,
      field: "_atom_site_fract_y",
    });
  }
  const cLabel = col("_atom_site_label");
  const cType = col("_atom_site_type_symbol");
  const cOcc = col("_atom_site_occupancy");
  interface Site {
    label: string;
    z: number;
    f: number[];
    occ: number;
  }
  const sites: Site[] = siteLoop.rows.map((row, r) => {
    const label = cLabel >= 0 ? row[cLabel]!.text : `site${r + 1}`;
    const sym = cType >= 0 ? row[cType]!.text : undefined;
    const z = elementFrom(sym, label);
    if (z === undefined) {
      const t = row[cType >= 0 ? cType : Math.max(cLabel, 0)]!;
      throw new EngineError("ParseError", `cannot tell the element of site ${quoteInput(label)}`, {
        file,
        line: t.line,
        field: cType >= 0 ? "_atom_site_type_symbol" : "_atom_site_label",
      });
    }
    const f = [cx, cyy, cz].map((ci, k) => {
      const tag = ["_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z"][k]!;
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
    const occ = cOcc >= 0 ? (cifNumber(row[cOcc]!, file, "_atom_site_occupancy") ?? 1) : 1;
    if (!(occ > 0 && occ <= 1 + 1e-6)) {
      throw new EngineError("ParseError", `occupancy ${occ} outside (0, 1]`, {
        file,
        line: row[cOcc]!.line,
        field: "_atom_site_occupancy",
      });
    }
    return { label, z, f, occ };
  });

  // expansion
  const tol2 = tol * tol;
  const dist2 = (f1: ArrayLike<number>, f2: ArrayLike<number>): number => {
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
  };
  interface Img {
    site: number;
    f: number[];
  }
  const perSite: Img[][] = sites.map((s, si) => {
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
  });

  // merge coincident images of different sites (mixed occupancy)
  const kept: { img: Img; members: number[] }[] = [];
  const groups = new Map<
    string,
    { labels: string[]; species: string[]; occupancies: number[]; count: number }
  >();
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

/** Read a CIF file (`.gz` accepted). */
export function readCif(file: string, options: CifReadOptions = {}): Structure {
  return parseCif(readTextMaybeGz(file), file, options);
}
