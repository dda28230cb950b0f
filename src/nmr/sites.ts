/**
 * Per-site NMR observables of the tensors carried by a Structure (per-atom arrays `efg` and `ms`, 9 columns
 * row-major, as the magres and extxyz readers store them). Used by `soapgpr nmr`; plain JSON-serialisable rows.
 */
import type { Structure } from "../core/structure.js";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import { efgParams } from "./efg.js";
import { isotopeFor } from "./isotopes.js";
import { msParams } from "./ms.js";
import { orientation } from "./orientation.js";

export interface SiteEfg {
  vxx: number;
  vyy: number;
  vzz: number;
  eta: number;
  isotope: string | null;
  /** MHz (null without a known isotope) */
  cq: number | null;
  pq: number | null;
  nuQ: number | null;
  /** kHz */
  omegaQ: number | null;
  omegaQLab: number | null;
  /** degrees, Harper ranges */
  theta: number;
  phi: number;
  /** ZYZ Euler angles of the NQR-ordered PAS, degrees (Soprano normalisation) */
  eulerActive: [number, number, number];
  eulerPassive: [number, number, number];
  /** (w, x, y, z), w ≥ 0 */
  quaternion: [number, number, number, number];
}

export interface SiteMs {
  iso: number;
  zeta: number;
  delta: number;
  eta: number;
  span: number;
  skew: number;
  /** ZYZ Euler angles of the Haeberlen-ordered PAS, degrees */
  eulerActive: [number, number, number];
  eulerPassive: [number, number, number];
  quaternion: [number, number, number, number];
}

export interface Site {
  /** 0-based atom index in the structure */
  index: number;
  species: string;
  /** magres label and index as MagresView writes them ("H_1"); else the atom label; else species + 1-based index */
  label: string;
  efg?: SiteEfg;
  ms?: SiteMs;
}

export interface SiteOptions {
  /** element → isotope name overrides */
  isotopes?: Readonly<Record<string, string>>;
  /** keep only these element symbols */
  species?: readonly string[];
  /** file name for error messages */
  file?: string;
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function tensorArray(s: Structure, name: string, file?: string): Float64Array | null {
  const a = s.arrays.get(name);
  if (!a) return null;
  if (a.ncols !== 9 || !(a.data instanceof Float64Array)) {
    throw new EngineError(
      "ShapeMismatch",
      `per-atom array '${name}' must have 9 numeric columns, has ${a.ncols}`,
      {
        ...(file !== undefined ? { file } : {}),
        field: name,
      },
    );
  }
  return a.data;
}

/**
 * Why the tensor at t[off..off+9) cannot be diagonalised, or null. A tensor of 9 NaN is an unknown one (kept as
 * NaN observables, as before); otherwise every entry must be finite and the sum of their squares must not
 * overflow float64 (|entries| ≳ 1e154), because the Jacobi sweeps and the norms square them: 1e308 entries
 * would otherwise give Vzz = 0, η = 0 without a word.
 */
function tensorProblem(t: Float64Array, off: number): string | null {
  let nan = 0;
  let sq = 0;
  let big = 0;
  for (let k = 0; k < 9; k++) {
    const x = t[off + k]!;
    if (Number.isNaN(x)) nan++;
    else if (!Number.isFinite(x)) return `entry ${k + 1} of 9 is ${x}`;
    else {
      sq += x * x;
      big = Math.max(big, Math.abs(x));
    }
  }
  if (nan === 9) return null;
  if (nan > 0) return `${nan} of its 9 entries are NaN`;
  if (!Number.isFinite(sq))
    return `its entries (max |x| = ${big.toExponential(3)}) overflow float64 when squared`;
  return null;
}

/** Throw when a site's tensor is unusable or its observables came out non-finite from finite input. */
function checkSite(
  t: Float64Array,
  i: number,
  name: "efg" | "ms",
  label: string,
  results: readonly (number | null)[],
  file?: string,
): void {
  let problem = tensorProblem(t, 9 * i);
  const unknown = problem === null && Number.isNaN(t[9 * i]!);
  if (problem === null && !unknown && results.some((x) => x !== null && !Number.isFinite(x)))
    problem = "gives a non-finite intermediate result (overflow)";
  if (problem === null) return;
  throw new EngineError("InvalidParameter", `atom ${label} (index ${i}): ${name} tensor ${problem}`, {
    ...(file !== undefined ? { file } : {}),
    field: name,
  });
}

/** Observables of every site carrying an `efg` and/or `ms` tensor. */
export function nmrSites(s: Structure, options: SiteOptions = {}): Site[] {
  const efg = tensorArray(s, "efg", options.file);
  const ms = tensorArray(s, "ms", options.file);
  if (!efg && !ms) {
    throw new EngineError("InvalidParameter", "no per-atom 'efg' or 'ms' tensors found", {
      ...(options.file !== undefined ? { file: options.file } : {}),
      field: "efg",
    });
  }
  const idx = s.arrays.get("magres_index");
  const keep = options.species ? new Set(options.species) : null;
  const out: Site[] = [];
  for (let i = 0; i < s.numbers.length; i++) {
    const el = symbolOf(s.numbers[i]!);
    if (keep && !keep.has(el)) continue;
    const base = s.labels?.[i] ?? el;
    const label =
      idx && idx.data instanceof Int32Array ? `${base}_${idx.data[i]}` : s.labels ? base : `${el}${i + 1}`;
    const site: Site = { index: i, species: el, label };
    if (efg) {
      const iso = isotopeFor(el, options.isotopes);
      checkSite(efg, i, "efg", label, [], options.file);
      const p = efgParams(efg, 9 * i, iso);
      const o = orientation(efg, 9 * i, "nqr");
      const cqs = iso ? [p.cq, p.pq, p.nuQ, p.omegaQ, p.omegaQLab] : [];
      checkSite(efg, i, "efg", label, [p.vzz, p.eta, p.theta, p.phi, ...cqs, ...o.quaternion], options.file);
      site.efg = {
        vxx: p.vxx,
        vyy: p.vyy,
        vzz: p.vzz,
        eta: p.eta,
        isotope: p.isotope,
        cq: orNull(p.cq),
        pq: orNull(p.pq),
        nuQ: orNull(p.nuQ),
        omegaQ: orNull(p.omegaQ),
        omegaQLab: orNull(p.omegaQLab),
        theta: p.theta,
        phi: p.phi,
        eulerActive: o.eulerActive,
        eulerPassive: o.eulerPassive,
        quaternion: o.quaternion,
      };
    }
    if (ms) {
      checkSite(ms, i, "ms", label, [], options.file);
      const m = msParams(ms, 9 * i);
      const o = orientation(ms, 9 * i, "haeberlen");
      checkSite(ms, i, "ms", label, [m.iso, m.zeta, m.eta, m.span, m.skew, ...o.quaternion], options.file);
      site.ms = {
        iso: m.iso,
        zeta: m.zeta,
        delta: m.delta,
        eta: m.eta,
        span: m.span,
        skew: m.skew,
        eulerActive: o.eulerActive,
        eulerPassive: o.eulerPassive,
        quaternion: o.quaternion,
      };
    }
    out.push(site);
  }
  return out;
}
