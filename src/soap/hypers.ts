import { EngineError } from "../core/errors.js";

/** Cutoff function applied to the neighbour weights. */
export type CutoffSmoothing = { type: "Step" } | { type: "ShiftedCosine"; width: number };

/**
 * λ-SOAP hyperparameters (featomic-style names). Lengths in Å.
 * Defaults (parseSoapHypers): cutoff.radius 4, smoothing Step, density.width 0.3, maxRadial 8, maxAngular 6,
 * centerWeight 1, radialIntegral "spline" (accuracy 1e-8), lambdas [0, 2], species from the input structures.
 */
export interface SoapHypers {
  readonly cutoff: { readonly radius: number; readonly smoothing: CutoffSmoothing };
  readonly density: { readonly type: "Gaussian"; readonly width: number };
  readonly basis: {
    readonly type: "Gto";
    /** number of radial functions n = 0..maxRadial−1 (TENSOAP's nmax) */
    readonly maxRadial: number;
    /** largest angular channel l (TENSOAP's lmax) */
    readonly maxAngular: number;
    /** "analytic": ₁F₁ series per neighbour; "spline": cubic Hermite splines of the exact integrals */
    readonly radialIntegral: "analytic" | "spline";
    /** relative accuracy of the splines (max abs error / max |R_nl|) */
    readonly splineAccuracy: number;
  };
  /** weight of the centre atom's own Gaussian (in its species channel); 0 drops it */
  readonly centerWeight: number;
  /** species channels (atomic numbers, sorted ascending); null → all species present in the input */
  readonly species: readonly number[] | null;
  /** normalise per environment (unit norm λ=0, ‖P Pᵀ‖_F = 1 for λ>0) */
  readonly normalize: boolean;
  /** λ values computed by default */
  readonly lambdas: readonly number[];
}

/**
 * λ-SOAP hypers as a caller gives them: any part of SoapHypers, the rest from the defaults (parseSoapHypers
 * validates and fills them). A full SoapHypers is one.
 */
export interface SoapHypersInput {
  readonly cutoff?: { readonly radius?: number; readonly smoothing?: CutoffSmoothing };
  readonly density?: { readonly type?: "Gaussian"; readonly width?: number };
  readonly basis?: Partial<SoapHypers["basis"]>;
  readonly centerWeight?: number;
  readonly species?: readonly number[] | null;
  readonly normalize?: boolean;
  readonly lambdas?: readonly number[];
}

export const DEFAULT_SOAP_HYPERS: SoapHypers = {
  cutoff: { radius: 4, smoothing: { type: "Step" } },
  density: { type: "Gaussian", width: 0.3 },
  basis: { type: "Gto", maxRadial: 8, maxAngular: 6, radialIntegral: "spline", splineAccuracy: 1e-8 },
  centerWeight: 1,
  species: null,
  normalize: true,
  lambdas: [0, 2],
};

/**
 * TENSOAP (SOAPFAST v3) settings: hard cutoff rc 4 Å, σ 0.3 Å, nmax 8, lmax 6, centre weight 1, Löwdin-orthonormal
 * GTOs with analytic radial integrals, λ=0 weight (2l+1)^(−1/2), species channels ordered by Z, features
 * normalised. Kernels of this preset equal TENSOAP's (test/regression/tensoap-parity.test.ts).
 */
export const TENSOAP_PRESET: SoapHypers = {
  cutoff: { radius: 4, smoothing: { type: "Step" } },
  density: { type: "Gaussian", width: 0.3 },
  basis: { type: "Gto", maxRadial: 8, maxAngular: 6, radialIntegral: "analytic", splineAccuracy: 1e-8 },
  centerWeight: 1,
  species: null,
  normalize: true,
  lambdas: [0, 2],
};

type Obj = Record<string, unknown>;

function fail(path: string, msg: string): never {
  throw new EngineError("InvalidParameter", `${path}: ${msg}`, { field: path });
}

function obj(v: unknown, path: string, allowed: readonly string[]): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "expected an object");
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) fail(`${path}.${k}`, `unknown key (allowed: ${allowed.join(", ")})`);
  }
  return v as Obj;
}

function num(v: unknown, path: string, def: number, check: (x: number) => boolean, what: string): number {
  if (v === undefined) return def;
  if (typeof v !== "number" || !Number.isFinite(v) || !check(v))
    fail(path, `expected ${what}, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Validate a plain-JSON hyperparameter object (unknown keys rejected, errors name the JSON path, e.g.
 * "$.cutoff.smoothing.width"), filling defaults from `base` (DEFAULT_SOAP_HYPERS unless given).
 */
// long: one check per JSON key in document order, so that the JSON paths read as the schema does
export function parseSoapHypers(input: unknown, base: SoapHypers = DEFAULT_SOAP_HYPERS): SoapHypers {
  const root = obj(input ?? {}, "$", [
    "cutoff",
    "density",
    "basis",
    "centerWeight",
    "species",
    "normalize",
    "lambdas",
  ]);
  const pos = (x: number) => x > 0;
  let cutoff = base.cutoff;
  if (root.cutoff !== undefined) {
    const c = obj(root.cutoff, "$.cutoff", ["radius", "smoothing"]);
    const radius = num(c.radius, "$.cutoff.radius", base.cutoff.radius, pos, "a positive number (Å)");
    let smoothing = base.cutoff.smoothing;
    if (c.smoothing !== undefined) {
      const s = obj(c.smoothing, "$.cutoff.smoothing", ["type", "width"]);
      if (s.type === "Step") {
        if (s.width !== undefined) fail("$.cutoff.smoothing.width", "not allowed for type Step");
        smoothing = { type: "Step" };
      } else if (s.type === "ShiftedCosine") {
        const width = num(s.width, "$.cutoff.smoothing.width", 0.5, pos, "a positive number (Å)");
        if (width > radius) fail("$.cutoff.smoothing.width", "must not exceed cutoff.radius");
        smoothing = { type: "ShiftedCosine", width };
      } else
        fail("$.cutoff.smoothing.type", `expected "Step" or "ShiftedCosine", got ${JSON.stringify(s.type)}`);
    }
    cutoff = { radius, smoothing };
  }
  let density = base.density;
  if (root.density !== undefined) {
    const d = obj(root.density, "$.density", ["type", "width"]);
    if (d.type !== undefined && d.type !== "Gaussian") fail("$.density.type", `expected "Gaussian"`);
    density = {
      type: "Gaussian",
      width: num(d.width, "$.density.width", base.density.width, pos, "a positive number (Å)"),
    };
  }
  let basis = base.basis;
  if (root.basis !== undefined) {
    const b = obj(root.basis, "$.basis", [
      "type",
      "maxRadial",
      "maxAngular",
      "radialIntegral",
      "splineAccuracy",
    ]);
    if (b.type !== undefined && b.type !== "Gto") fail("$.basis.type", `expected "Gto"`);
    const int = (x: number) => Number.isInteger(x);
    const maxRadial = num(
      b.maxRadial,
      "$.basis.maxRadial",
      base.basis.maxRadial,
      (x) => int(x) && x >= 1 && x <= 30,
      "an integer 1..30",
    );
    const maxAngular = num(
      b.maxAngular,
      "$.basis.maxAngular",
      base.basis.maxAngular,
      (x) => int(x) && x >= 0 && x <= 20,
      "an integer 0..20",
    );
    let radialIntegral = base.basis.radialIntegral;
    if (b.radialIntegral !== undefined) {
      if (b.radialIntegral !== "analytic" && b.radialIntegral !== "spline")
        fail("$.basis.radialIntegral", `expected "analytic" or "spline"`);
      radialIntegral = b.radialIntegral;
    }
    const splineAccuracy = num(
      b.splineAccuracy,
      "$.basis.splineAccuracy",
      base.basis.splineAccuracy,
      (x) => x >= 1e-13 && x <= 1e-2,
      "a number in [1e-13, 1e-2]",
    );
    basis = { type: "Gto", maxRadial, maxAngular, radialIntegral, splineAccuracy };
  }
  const centerWeight = num(
    root.centerWeight,
    "$.centerWeight",
    base.centerWeight,
    (x) => x >= 0,
    "a non-negative number",
  );
  let species = base.species;
  if (root.species !== undefined && root.species !== null) {
    if (!Array.isArray(root.species) || root.species.length === 0)
      fail("$.species", "expected a non-empty array of atomic numbers");
    species = root.species.map((z, i) =>
      num(z, `$.species[${i}]`, 0, (x) => Number.isInteger(x) && x > 0 && x < 119, "an atomic number"),
    );
    species = [...new Set(species)].sort((a, b) => a - b);
  } else if (root.species === null) species = null;
  let normalize = base.normalize;
  if (root.normalize !== undefined) {
    if (typeof root.normalize !== "boolean") fail("$.normalize", "expected true or false");
    normalize = root.normalize;
  }
  let lambdas = base.lambdas;
  if (root.lambdas !== undefined) {
    if (!Array.isArray(root.lambdas) || root.lambdas.length === 0)
      fail("$.lambdas", "expected a non-empty array");
    lambdas = root.lambdas.map((z, i) =>
      num(z, `$.lambdas[${i}]`, 0, (x) => Number.isInteger(x) && x >= 0, "a non-negative integer"),
    );
  }
  checkResolution(cutoff.radius, density.width, basis.maxRadial);
  for (const [i, l] of lambdas.entries()) {
    if (l > 2 * basis.maxAngular) fail(`$.lambdas[${i}]`, `λ=${l} exceeds 2·maxAngular`);
  }
  return {
    cutoff,
    density,
    basis,
    centerWeight,
    species,
    normalize,
    lambdas: [...new Set(lambdas)].sort((a, b) => a - b),
  };
}

/**
 * Smallest density width relative to the radial basis: the finest GTO is cutoff.radius/maxRadial wide
 * (src/math/radial.ts), so a density Gaussian much narrower than that is not resolved by the basis, while the
 * radial splines, whose knot spacing follows the width, grow as radius/width (σ = 1e-6 Å: 10⁷+ knots, minutes
 * and gigabytes). A tenth of the finest GTO leaves room below every setting in use (TENSOAP: σ 0.3 Å, finest
 * GTO 0.5 Å).
 */
export const MIN_WIDTH_PER_FINEST_GTO = 0.1;

function checkResolution(radius: number, width: number, maxRadial: number): void {
  const finest = radius / maxRadial;
  const min = MIN_WIDTH_PER_FINEST_GTO * finest;
  if (width >= min) return;
  const nmaxNeeded = Math.ceil((MIN_WIDTH_PER_FINEST_GTO * radius) / width);
  fail(
    "$.density.width",
    `${width} Å is too narrow for the radial basis: with cutoff.radius ${radius} Å and maxRadial ${maxRadial} the ` +
      `finest radial function is ${finest.toPrecision(3)} Å wide and the density width must be ≥ ` +
      `${MIN_WIDTH_PER_FINEST_GTO} × that = ${min.toPrecision(3)} Å; raise density.width` +
      (nmaxNeeded <= 30 ? `, raise basis.maxRadial to ≥ ${nmaxNeeded}` : "") +
      " or lower cutoff.radius",
  );
}
