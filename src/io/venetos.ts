/**
 * Reader for the 29Si magnetic-shielding dataset of Venetos, Wen & Persson, J. Phys. Chem. A 127 (2023) 2388
 * (`datasets/si_nmr_data.json` of wengroup/matten; shared copy: data/magres/venetos_si_ms/si_nmr_data.json.gz).
 *
 * Layout: a JSON object of columns {structure, species, nmr_tensor, atom_selector, sigma_iso, Qn}, each a map
 * from structure id ("0".."420") to that structure's value: a pymatgen Structure dict (lattice.matrix rows
 * = lattice vectors, sites with Cartesian `xyz` in Å), atomic numbers, a per-atom boolean selector (the Si
 * atoms that carry a tensor) and, for the selected atoms in order, the full 3x3 shielding tensor (ppm; NOT
 * symmetric — the antisymmetric part is kept), σ_iso and the Qn connectivity.
 *
 * Mapping onto Structure: arrays `ms` (9 columns row-major, NaN for atoms without a tensor), `sigma_iso`
 * (NaN likewise), `Qn` (Int32, −1 likewise); info: `venetos_id`, `units` {ms: "ppm"}.
 */
import { EngineError, quoteInput } from "../core/errors.js";
import { Structure } from "../core/structure.js";
import { tryAtomicNumber } from "../core/elements.js";
import { readTextMaybeGz } from "./atomic.js";

type Json = Record<string, unknown>;

function fail(file: string, field: string, msg: string): never {
  throw new EngineError("ParseError", msg, { file, field });
}

function finiteArray(v: unknown, len: number, file: string, field: string): number[] {
  if (!Array.isArray(v) || v.length !== len || !v.every((x) => typeof x === "number" && Number.isFinite(x))) {
    fail(file, field, `expected ${len} finite numbers`);
  }
  return v as number[];
}

/** Parse the Venetos et al. JSON text into one Structure per entry (ordered by numeric id). */
export function parseVenetosJson(text: string, file = "<string>"): Structure[] {
  let d: Json;
  try {
    d = JSON.parse(text) as Json;
  } catch (e) {
    throw new EngineError("ParseError", `invalid JSON: ${(e as Error).message}`, { file, field: "json" });
  }
  const cols = ["structure", "species", "nmr_tensor", "atom_selector", "sigma_iso", "Qn"] as const;
  for (const c of cols) {
    if (typeof d?.[c] !== "object" || d[c] === null) {
      fail(file, c, `not a Venetos si_nmr_data file: column ${quoteInput(c)} missing`);
    }
  }
  const col = (c: (typeof cols)[number]) => d[c] as Json;
  const ids = Object.keys(col("structure")).sort((a, b) => Number(a) - Number(b));
  return ids.map((id) => {
    const f = (name: string) => `${name}[${id}]`;
    const st = col("structure")[id] as Json;
    const lattice = (st?.["lattice"] as Json | undefined) ?? fail(file, f("structure"), "no lattice");
    const matrix = lattice["matrix"];
    if (!Array.isArray(matrix) || matrix.length !== 3)
      fail(file, f("structure.lattice"), "matrix must be 3x3");
    const cell = (matrix as unknown[]).flatMap((row) =>
      finiteArray(row, 3, file, f("structure.lattice.matrix")),
    );
    const pbcRaw = lattice["pbc"];
    const pbc: [boolean, boolean, boolean] =
      Array.isArray(pbcRaw) && pbcRaw.length === 3
        ? [!!pbcRaw[0], !!pbcRaw[1], !!pbcRaw[2]]
        : [true, true, true];
    const sites = st["sites"];
    if (!Array.isArray(sites) || sites.length === 0) fail(file, f("structure.sites"), "no sites");
    const n = sites.length;
    const species = finiteArray(col("species")[id], n, file, f("species"));
    const selector = col("atom_selector")[id];
    if (!Array.isArray(selector) || selector.length !== n) {
      fail(file, f("atom_selector"), `expected ${n} booleans`);
    }
    const numbers = new Int32Array(n);
    const positions = new Float64Array(3 * n);
    (sites as Json[]).forEach((site, i) => {
      const sp = site["species"] as Json[] | undefined;
      if (!Array.isArray(sp) || sp.length !== 1 || sp[0]!["occu"] !== 1) {
        fail(file, f(`structure.sites[${i}]`), "only fully ordered sites are supported");
      }
      const z = tryAtomicNumber(String(sp[0]!["element"]));
      if (z === undefined || z !== species[i]) {
        fail(
          file,
          f(`structure.sites[${i}]`),
          `element ${String(sp[0]!["element"])} disagrees with species ${species[i]}`,
        );
      }
      numbers[i] = z;
      positions.set(finiteArray(site["xyz"], 3, file, f(`structure.sites[${i}].xyz`)), 3 * i);
    });
    const sel = (selector as unknown[]).map((x) => x === true);
    const nsel = sel.filter(Boolean).length;
    const tensors = col("nmr_tensor")[id];
    if (!Array.isArray(tensors) || tensors.length !== nsel) {
      fail(file, f("nmr_tensor"), `expected ${nsel} tensors (one per selected atom)`);
    }
    const iso = finiteArray(col("sigma_iso")[id], nsel, file, f("sigma_iso"));
    const qn = finiteArray(col("Qn")[id], nsel, file, f("Qn"));
    const ms = new Float64Array(9 * n).fill(Number.NaN);
    const sigmaIso = new Float64Array(n).fill(Number.NaN);
    const qnArr = new Int32Array(n).fill(-1);
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (!sel[i]) continue;
      const t = tensors[k] as unknown;
      if (!Array.isArray(t) || t.length !== 3) fail(file, f(`nmr_tensor[${k}]`), "tensor must be 3x3");
      ms.set(
        (t as unknown[]).flatMap((row) => finiteArray(row, 3, file, f(`nmr_tensor[${k}]`))),
        9 * i,
      );
      sigmaIso[i] = iso[k]!;
      qnArr[i] = qn[k]!;
      k++;
    }
    return new Structure({
      numbers,
      positions,
      cell,
      pbc,
      arrays: {
        ms: { ncols: 9, data: ms },
        sigma_iso: { ncols: 1, data: sigmaIso },
        Qn: { ncols: 1, data: qnArr },
      },
      info: { venetos_id: Number(id), units: { ms: "ppm" } },
    });
  });
}

/** Read the Venetos et al. 29Si shielding dataset (`.json` or `.json.gz`). */
export function readVenetos(file: string): Structure[] {
  return parseVenetosJson(readTextMaybeGz(file), file);
}
