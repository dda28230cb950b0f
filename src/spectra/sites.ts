/**
 * The sites of one element of a Structure, with the tensors a spectrum needs: per-atom arrays `efg` (a.u.) and
 * `ms` (shielding, ppm), 9 columns row-major as the magres/extxyz readers store them, or the predictions that
 * `soapgpr predict` writes to extxyz (`efg_pred`, `ms_pred`, with the standard deviations of their spherical
 * components in `efg_std`, `ms_std`). Shielding becomes shift through δ = σ_ref − σ (σ_ref in ppm, required).
 * An optional per-atom array `weight` (1 column) weights the sites; the group of a site is its label (magres
 * label) or else its element.
 */
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import type { Isotope } from "../nmr/isotopes.js";
import { checkSimulable, hasCentralTransition } from "./frequencies.js";
import type { UncertainSite } from "./uncertainty.js";

/** Which tensors to use when a file carries both reference and predicted ones. */
export type TensorSource = "auto" | "reference" | "prediction";

export interface SiteReadOptions {
  /** element symbol */
  readonly species: string;
  readonly isotope: Isotope;
  /** σ_ref in ppm for δ = σ_ref − σ (needed when shielding tensors are used) */
  readonly reference?: number;
  /** default "auto": predictions when present, else reference tensors */
  readonly source?: TensorSource;
  /** file name for error messages */
  readonly file?: string;
}

export interface SiteSet {
  readonly sites: UncertainSite[];
  /** the per-atom arrays used, e.g. { shift: "ms", efg: "efg_pred" } */
  readonly arrays: { readonly shift: string | null; readonly efg: string | null };
  /** true when standard deviations of the tensors were found */
  readonly hasStd: boolean;
}

function where(o: SiteReadOptions, field: string): { file?: string; field: string } {
  return o.file !== undefined ? { file: o.file, field } : { field };
}

function pickArray(s: Structure, base: string, source: TensorSource): string | null {
  const pred = `${base}_pred`;
  if (source !== "reference" && s.arrays.has(pred)) return pred;
  if (source !== "prediction" && s.arrays.has(base)) return base;
  return null;
}

function column(
  s: Structure,
  name: string | null,
  ncols: readonly number[],
  o: SiteReadOptions,
): Float64Array | null {
  if (name === null) return null;
  const a = s.arrays.get(name);
  if (!a) return null;
  if (!ncols.includes(a.ncols) || !(a.data instanceof Float64Array)) {
    throw new EngineError(
      "ShapeMismatch",
      `per-atom array '${name}' must have ${ncols.join(" or ")} numeric columns, has ${a.ncols}`,
      where(o, name),
    );
  }
  return a.data;
}

function slice(
  data: Float64Array,
  atom: number,
  width: number,
  name: string,
  o: SiteReadOptions,
): Float64Array {
  const t = data.slice(atom * width, atom * width + width);
  if (!t.every(Number.isFinite)) {
    throw new EngineError(
      "InvalidParameter",
      `atom ${atom + 1} (${o.species}) has a non-finite value`,
      where(o, name),
    );
  }
  return t;
}

function shiftFromShielding(sigma: Float64Array, ref: number): Float64Array {
  const d = sigma.map((x) => -x);
  d[0]! += ref;
  d[4]! += ref;
  d[8]! += ref;
  return d;
}

function checkNeeds(efgName: string | null, msName: string | null, o: SiteReadOptions): void {
  checkSimulable(o.isotope);
  if (hasCentralTransition(o.isotope) && efgName === null) {
    throw new EngineError(
      "InvalidParameter",
      `${o.isotope.name} is quadrupolar: the input has no 'efg' (or 'efg_pred') tensors`,
      where(o, "efg"),
    );
  }
  if (!hasCentralTransition(o.isotope) && msName === null) {
    throw new EngineError(
      "InvalidParameter",
      `${o.isotope.name}: the input has no 'ms' (or 'ms_pred') tensors`,
      where(o, "ms"),
    );
  }
  if (msName !== null && o.reference === undefined) {
    throw new EngineError(
      "InvalidParameter",
      "shielding tensors need the reference shielding σ_ref (ppm) for δ = σ_ref − σ; no default is assumed",
      where(o, "reference"),
    );
  }
}

/** Sites of `species` with their tensors (see module documentation). */
export function spectrumSites(s: Structure, o: SiteReadOptions): SiteSet {
  const source = o.source ?? "auto";
  const quad = hasCentralTransition(o.isotope);
  const efgName = quad ? pickArray(s, "efg", source) : null;
  const msName = pickArray(s, "ms", source);
  checkNeeds(efgName, msName, o);
  const efg = column(s, efgName, [9], o);
  const ms = column(s, msName, [9], o);
  const stdName = (n: string | null): string | null =>
    n?.endsWith("_pred") ? n.replace(/_pred$/, "_std") : null;
  const efgStd = column(s, stdName(efgName), [5, 9], o);
  const msStd = column(s, stdName(msName), [5, 9], o);
  const weight = column(s, "weight", [1], o);
  const sites: UncertainSite[] = [];
  for (let i = 0; i < s.numbers.length; i++) {
    if (symbolOf(s.numbers[i]!) !== o.species) continue;
    const sigma = ms ? slice(ms, i, 9, msName!, o) : null;
    const w = weight ? slice(weight, i, 1, "weight", o)[0]! : 1;
    sites.push({
      shift: sigma ? shiftFromShielding(sigma, o.reference!) : null,
      efg: efg ? slice(efg, i, 9, efgName!, o) : null,
      weight: w,
      group: s.labels?.[i] ?? o.species,
      shiftStd: msStd ? slice(msStd, i, msStd.length / s.numbers.length, stdName(msName)!, o) : null,
      efgStd: efgStd ? slice(efgStd, i, efgStd.length / s.numbers.length, stdName(efgName)!, o) : null,
    });
  }
  return { sites, arrays: { shift: msName, efg: efgName }, hasStd: efgStd !== null || msStd !== null };
}
