/**
 * Per-environment regression targets from a Dataset: the parts of a Cartesian tensor target (λ=0: the isotropic
 * value tr/3 in the tensor's own units, e.g. σ_iso in ppm — not T0 = tr/√3, which is √3 times larger; λ=1: T1;
 * λ=2: T2 in the DESIGN.md order), a derived EFG observable ("efg:cq", "efg:eta", "efg:theta", "efg:phi",
 * "efg:wq", "efg:vzz"), a derived shielding observable ("ms:iso", "ms:aniso", "ms:eta", "ms:span", "ms:skew";
 * src/nmr/ms.ts), or any scalar per-atom array.
 */
import type { Dataset } from "../core/dataset.js";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import { efgParams } from "../nmr/efg.js";
import { isotopeFor } from "../nmr/isotopes.js";
import { msParams } from "../nmr/ms.js";
import { cartesianToT1, cartesianToT2 } from "../nmr/spherical.js";

/** Derived scalars of an EFG tensor (and of any tensor array other than `ms`). */
export const DERIVED_OBSERVABLES = ["cq", "eta", "theta", "phi", "wq", "vzz"] as const;
/** Derived scalars of a shielding tensor `ms` (ppm, except η and κ): σ_iso, Haeberlen Δ = 3ζ/2, η, span Ω, skew κ. */
export const MS_DERIVED_OBSERVABLES = ["iso", "aniso", "eta", "span", "skew"] as const;
export type DerivedObservable =
  | (typeof DERIVED_OBSERVABLES)[number]
  | (typeof MS_DERIVED_OBSERVABLES)[number];

/** The derived observables of a tensor array: the shielding ones for `ms`, the EFG ones otherwise. */
export function derivedObservables(array: string): readonly DerivedObservable[] {
  return array === "ms" ? MS_DERIVED_OBSERVABLES : DERIVED_OBSERVABLES;
}

/** The isotropic value tr/3 of the tensor at t[off..off+9) (σ_iso for shielding), in the tensor's units. */
export function isotropicPart(t: ArrayLike<number>, off = 0): number {
  return (t[off]! + t[off + 4]! + t[off + 8]!) / 3;
}

export interface ParsedTarget {
  /** Dataset target / per-atom array name (before any ':'). */
  readonly array: string;
  /** Derived observable, or null for the raw array. */
  readonly derived: DerivedObservable | null;
  /** Components learned per environment (2λ+1). */
  readonly components: number;
}

export { targetUnits } from "../model/units.js";

export function parseTarget(name: string, lambda: number): ParsedTarget {
  const parts = name.split(":");
  if (parts.length > 2 || parts[0] === "") {
    throw new EngineError("InvalidParameter", `bad target '${name}' (use NAME or NAME:observable)`, {
      field: "target",
    });
  }
  const derived = (parts[1] ?? null) as DerivedObservable | null;
  const known = derivedObservables(parts[0]!);
  if (derived !== null && !known.includes(derived)) {
    throw new EngineError(
      "InvalidParameter",
      `unknown derived observable '${derived}' of '${parts[0]}' (use ${known.join(", ")})`,
      { field: "target" },
    );
  }
  if (derived !== null && lambda !== 0) {
    throw new EngineError("InvalidParameter", `derived observable '${name}' is a scalar: use λ=0`, {
      field: "lambda",
    });
  }
  if (!Number.isInteger(lambda) || lambda < 0 || lambda > 2) {
    throw new EngineError("InvalidParameter", `lambda must be 0, 1 or 2, got ${lambda}`, { field: "lambda" });
  }
  if (derived === null && parts[0] === "efg" && lambda !== 2) {
    throw new EngineError(
      "InvalidParameter",
      `target 'efg' has no λ=${lambda} part: an EFG tensor is symmetric and traceless, so only λ=2 is non-zero ` +
        `(${TARGET_LAMBDAS}); use λ=2, or a derived scalar such as efg:cq with λ=0`,
      { field: "lambda" },
    );
  }
  return { array: parts[0]!, derived, components: 2 * lambda + 1 };
}

/** Which λ each kind of target has, for error messages. */
const TARGET_LAMBDAS =
  "efg: λ=2 only; ms (shielding): λ=0 (isotropic), 1 (antisymmetric), 2 (anisotropic); a scalar per-atom array or derived observable: λ=0";

/**
 * Round-off level of a λ part that a tensor does not have: the spherical components are linear combinations
 * of at most 9 entries with O(1) coefficients, so a part that is zero in exact arithmetic comes out as at most
 * a few ulps of the largest entry. 64 ε leaves margin for the (a+b)/√2-type sums.
 */
const ZERO_PART_RELATIVE = 64 * Number.EPSILON;

/** Whether the rows are zero to round-off of their source entries (e.g. λ=1 of symmetric tensors). */
export function isZeroPart(rows: TargetRows): boolean {
  let yMax = 0;
  for (const v of rows.y) yMax = Math.max(yMax, Math.abs(v));
  return rows.y.length > 0 && yMax <= ZERO_PART_RELATIVE * rows.rawMax;
}

/**
 * Refuse a target that is identically zero on every training environment (e.g. λ=1 of a symmetric tensor):
 * a model of it predicts 0 and scores a meaningless r = 1. `rawMax` is the largest |entry| of the source
 * arrays those rows came from.
 */
export function checkTargetNotZero(name: string, lambda: number, rows: TargetRows): void {
  if (!isZeroPart(rows)) return;
  const yMax = rows.y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  throw new EngineError(
    "InvalidParameter",
    `target '${name}' at λ=${lambda} is identically zero on all ${rows.samples.length / 2} training environments ` +
      `(max |y| = ${yMax.toExponential(2)}): nothing to learn. Which λ a target has: ${TARGET_LAMBDAS}`,
    { field: "lambda" },
  );
}

/**
 * The target rows of one environment: writes `components` numbers to out[outOff..]. `values` holds the
 * per-atom array (ncols per atom) of the structure.
 */
export function environmentTarget(
  t: ParsedTarget,
  lambda: number,
  values: Float64Array,
  ncols: number,
  atom: number,
  z: number,
  out: Float64Array,
  outOff: number,
  isotopeOverrides?: Readonly<Record<string, string>>,
): void {
  const off = atom * ncols;
  if (t.derived !== null) {
    if (ncols !== 9) {
      throw new EngineError("ShapeMismatch", `'${t.array}:${t.derived}' needs a 9-column tensor array`, {
        field: t.array,
      });
    }
    if (t.array === "ms") {
      out[outOff] = msDerived(t.derived, values, off);
      return;
    }
    const iso = t.derived === "cq" || t.derived === "wq" ? isotopeFor(symbolOf(z), isotopeOverrides) : null;
    if ((t.derived === "cq" || t.derived === "wq") && !iso) {
      throw new EngineError("InvalidParameter", `no quadrupolar isotope known for ${symbolOf(z)}`, {
        field: "isotope",
      });
    }
    const p = efgParams(values, off, iso);
    const v =
      t.derived === "cq"
        ? p.cq
        : t.derived === "eta"
          ? p.eta
          : t.derived === "theta"
            ? p.theta
            : t.derived === "phi"
              ? p.phi
              : t.derived === "wq"
                ? p.omegaQ
                : p.vzz;
    out[outOff] = v;
    return;
  }
  if (ncols === 9) {
    if (lambda === 0) out[outOff] = isotropicPart(values, off);
    else if (lambda === 1) cartesianToT1(values, off, out, outOff);
    else cartesianToT2(values, off, out, outOff);
    return;
  }
  if (ncols === 2 * lambda + 1) {
    for (let c = 0; c < ncols; c++) out[outOff + c] = values[off + c]!;
    return;
  }
  throw new EngineError(
    "ShapeMismatch",
    `target '${t.array}' has ${ncols} columns: need 9 (a 3x3 tensor) or ${2 * lambda + 1} for λ=${lambda}`,
    { field: t.array },
  );
}

/** One derived shielding observable (src/nmr/ms.ts conventions) of the tensor at values[off..off+9). */
function msDerived(d: DerivedObservable, values: Float64Array, off: number): number {
  const p = msParams(values, off);
  if (d === "iso") return p.iso;
  if (d === "aniso") return p.delta;
  if (d === "eta") return p.eta;
  if (d === "span") return p.span;
  return p.skew;
}

export interface TargetRows {
  /** (structure, atom) of each environment with a known target, flat 2n. */
  readonly samples: Int32Array;
  /** n × components. */
  readonly y: Float64Array;
  /** Largest |value| of the source entries (tensor or array columns) of these environments. */
  readonly rawMax: number;
}

/** Targets of all atoms of `species` whose target is known (mask = 1), in structure then atom order. */
export function collectTargets(
  dataset: Dataset,
  t: ParsedTarget,
  lambda: number,
  species: number,
  isotopeOverrides?: Readonly<Record<string, string>>,
): TargetRows {
  const at = dataset.target(t.array);
  const samples: number[] = [];
  const rows: number[] = [];
  const tmp = new Float64Array(t.components);
  let rawMax = 0;
  dataset.structures.forEach((s, si) => {
    const vals = at.values[si]!;
    const mask = at.masks[si]!;
    for (let i = 0; i < s.length; i++) {
      if (s.numbers[i] !== species || mask[i] !== 1) continue;
      environmentTarget(t, lambda, vals, at.components, i, species, tmp, 0, isotopeOverrides);
      let ok = true;
      for (let c = 0; c < t.components; c++) if (!Number.isFinite(tmp[c]!)) ok = false;
      if (!ok) continue;
      samples.push(si, i);
      for (let c = 0; c < t.components; c++) rows.push(tmp[c]!);
      for (let c = 0; c < at.components; c++)
        rawMax = Math.max(rawMax, Math.abs(vals[i * at.components + c]!));
    }
  });
  return { samples: Int32Array.from(samples), y: Float64Array.from(rows), rawMax };
}
