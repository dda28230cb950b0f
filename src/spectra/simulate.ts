/**
 * Powder line shapes from per-site tensors: chemical-shift anisotropy (any spin) and the second-order
 * central transition of half-integer quadrupolar nuclei, static or under magic-angle spinning (infinitely fast,
 * or at a finite rate with CSA spinning sidebands), summed over sites.
 *
 * Conventions (docs/spectra.md): the axis is the δ scale in ppm, grid point j at from + j·(to − from)/(points − 1)
 * (either direction); intensities are a density per ppm normalised so that the whole spectrum has unit area
 * (Σ I_j |step| = 1 − outside, `outside` being the fraction that falls off the grid). Sites carry weights
 * (default 1) and a group label; the groups' intensities add up to the total.
 * Powder averaging: `powder.ts` (triangulated hemisphere in the site's principal frame, tent interpolation).
 * With a finite spinning rate each sideband k of a triangle is the triangle's infinitely-fast line shape shifted
 * by k·ν_r, weighted by the mean sideband intensity at its vertices: cross terms between CSA and the
 * second-order quadrupolar interaction and quadrupolar sidebands are neglected (valid when ν_r exceeds the
 * second-order width).
 */
import { EngineError } from "../core/errors.js";
import { type Isotope, larmorFrequencyMHz } from "../nmr/isotopes.js";
import { Binner } from "./bins.js";
import { gaussianBroaden, lorentzianBroaden } from "./broaden.js";
import {
  checkSimulable,
  masOffset,
  type SiteFrame,
  secondOrderPpmPerAu2,
  siteFrame,
  staticOffset,
} from "./frequencies.js";
import { type PowderGrid, powderGridFor } from "./powder.js";
import { type SidebandPlan, sidebandIntensities, sidebandPlan } from "./sidebands.js";

export type SpectrumMode = "static" | "mas";

export interface SpectrumOptions {
  readonly isotope: Isotope;
  /** B0 in tesla */
  readonly fieldT: number;
  readonly mode: SpectrumMode;
  /** MAS rate in kHz (mode "mas" only); omitted: infinitely fast spinning */
  readonly spinningRateKHz?: number;
  /** grid: first and last point (ppm) and number of points */
  readonly from: number;
  readonly to: number;
  readonly points: number;
  /** powder orientations (default 2000; rounded up to the next grid size) */
  readonly orientations?: number;
  /** Gaussian broadening, FWHM in ppm (default 0) */
  readonly gaussianPpm?: number;
  /** Lorentzian broadening, FWHM in Hz (default 0) */
  readonly lorentzianHz?: number;
}

/** One site: shift tensor δ (ppm, δ = σ_ref − σ) and/or EFG (a.u.), row-major 3×3. */
export interface SpectrumSite {
  readonly shift: ArrayLike<number> | null;
  readonly efg: ArrayLike<number> | null;
  /** relative weight (default 1) */
  readonly weight?: number;
  /** group label (default "all") */
  readonly group?: string;
}

export interface SpectrumGroup {
  readonly label: string;
  readonly sites: number;
  readonly intensity: Float64Array;
}

export interface Spectrum {
  readonly ppm: Float64Array;
  readonly intensity: Float64Array;
  readonly groups: readonly SpectrumGroup[];
  readonly larmorMHz: number;
  /** orientations actually used */
  readonly orientations: number;
  /** fraction of the intensity that falls outside the grid (before broadening) */
  readonly outside: number;
}

interface Context {
  readonly grid: PowderGrid;
  readonly mode: SpectrumMode;
  /** second-order factor, ppm/a.u.² */
  readonly q: number;
  readonly from: number;
  readonly step: number;
  /** ν_r in ppm, or 0 for infinitely fast / static */
  readonly rotorPpm: number;
}

function positive(value: number | undefined, field: string, allowZero: boolean): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new EngineError(
      "InvalidParameter",
      `${field} must be a ${allowZero ? "non-negative" : "positive"} number, got ${value}`,
      { field },
    );
  }
}

function validate(o: SpectrumOptions): void {
  positive(o.fieldT, "field", false);
  positive(o.gaussianPpm, "broadening", true);
  positive(o.lorentzianHz, "lorentzian", true);
  positive(o.spinningRateKHz, "spinningRate", false);
  if (o.mode !== "static" && o.mode !== "mas") {
    throw new EngineError("InvalidParameter", `mode must be 'static' or 'mas', got '${o.mode}'`, {
      field: "mode",
    });
  }
  if (o.mode === "static" && o.spinningRateKHz !== undefined) {
    throw new EngineError("InvalidParameter", "a spinning rate needs mode 'mas'", { field: "spinningRate" });
  }
  if (!Number.isInteger(o.points) || o.points < 2) {
    throw new EngineError("InvalidParameter", `points must be an integer ≥ 2, got ${o.points}`, {
      field: "points",
    });
  }
  if (!Number.isFinite(o.from) || !Number.isFinite(o.to) || o.from === o.to) {
    throw new EngineError(
      "InvalidParameter",
      `from and to must be different finite ppm values, got ${o.from}, ${o.to}`,
      {
        field: "from",
      },
    );
  }
}

/** Vertex offsets of one site in grid units u = (δ − from)/step. */
function vertexPositions(f: SiteFrame, ctx: Context, u: Float64Array, count: number): void {
  const v = ctx.grid.vertices;
  const offset = ctx.mode === "static" ? staticOffset : masOffset;
  for (let i = 0; i < count; i++) {
    u[i] = (offset(f, ctx.q, v[3 * i]!, v[3 * i + 1]!, v[3 * i + 2]!) - ctx.from) / ctx.step;
  }
}

function addTriangles(
  ctx: Context,
  u: Float64Array,
  w: number,
  shiftBy: number,
  vertexWeight: Float64Array | null,
  stride: number,
  out: Binner,
  count = ctx.grid.weights.length,
): void {
  const { triangles: tri, weights } = ctx.grid;
  for (let t = 0; t < count; t++) {
    const a = tri[3 * t]!;
    const b = tri[3 * t + 1]!;
    const c = tri[3 * t + 2]!;
    let wt = w * weights[t]!;
    if (vertexWeight)
      wt *= (vertexWeight[a * stride]! + vertexWeight[b * stride]! + vertexWeight[c * stride]!) / 3;
    if (wt !== 0) out.addTent(u[a]! + shiftBy, u[b]! + shiftBy, u[c]! + shiftBy, wt);
  }
}

/** Principal span (max − min eigenvalue bound) of a symmetric tensor, via its Frobenius norm of the anisotropy. */
function anisotropyBound(f: SiteFrame): number {
  let s = 0;
  for (let i = 0; i < 9; i++) {
    const d = f.shift[i]! - (i % 4 === 0 ? f.iso : 0);
    s += d * d;
  }
  return 2 * Math.sqrt(s);
}

/** True when the off-diagonal elements are round-off of the diagonal ones. */
function diagonal(t: Float64Array): boolean {
  const scale = Math.abs(t[0]!) + Math.abs(t[4]!) + Math.abs(t[8]!);
  return Math.abs(t[1]!) + Math.abs(t[2]!) + Math.abs(t[5]!) <= 1e-12 * scale;
}

function accumulateSite(site: SpectrumSite, ctx: Context, u: Float64Array, out: Binner): void {
  const f = siteFrame(site.shift, ctx.q !== 0 ? site.efg : null);
  const w = site.weight ?? 1;
  const { grid } = ctx;
  if (ctx.rotorPpm === 0 || site.shift === null) {
    // fast MAS sees only the EFG (diagonal in this frame) and δ_iso; static needs both tensors diagonal
    const octant = ctx.mode === "mas" || (diagonal(f.shift) && diagonal(f.efg));
    vertexPositions(f, ctx, u, octant ? grid.octantVertices : u.length);
    addTriangles(
      ctx,
      u,
      octant ? 4 * w : w,
      0,
      null,
      1,
      out,
      octant ? grid.octantTriangles : grid.weights.length,
    );
    return;
  }
  vertexPositions(f, ctx, u, u.length);
  const plan: SidebandPlan = sidebandPlan(anisotropyBound(f), ctx.rotorPpm);
  const width = 2 * plan.orders + 1;
  const nv = u.length;
  const side = new Float64Array(nv * width);
  const v = ctx.grid.vertices;
  for (let i = 0; i < nv; i++) {
    sidebandIntensities(
      f.shift,
      v[3 * i]!,
      v[3 * i + 1]!,
      v[3 * i + 2]!,
      ctx.rotorPpm,
      plan,
      side,
      i * width,
    );
  }
  for (let k = -plan.orders; k <= plan.orders; k++) {
    const kw = side.subarray(k + plan.orders);
    addTriangles(ctx, u, w, (k * ctx.rotorPpm) / ctx.step, kw, width, out);
  }
}

function finish(
  mass: Float64Array,
  scale: number,
  stepPpm: number,
  o: SpectrumOptions,
  larmorMHz: number,
): Float64Array {
  let x: Float64Array = mass.map((m) => m * scale);
  if (o.gaussianPpm) x = gaussianBroaden(x, stepPpm, o.gaussianPpm);
  if (o.lorentzianHz) x = lorentzianBroaden(x, stepPpm, o.lorentzianHz / larmorMHz);
  return x;
}

/** Simulate the powder spectrum of `sites` (see module documentation). */
export function simulateSpectrum(sites: readonly SpectrumSite[], options: SpectrumOptions): Spectrum {
  validate(options);
  if (sites.length === 0)
    throw new EngineError("InvalidParameter", "no sites to simulate", { field: "species" });
  const larmorMHz = larmorFrequencyMHz(options.isotope, options.fieldT);
  const q = secondOrderPpmPerAu2(options.isotope, larmorMHz);
  checkSimulable(options.isotope);
  const step = (options.to - options.from) / (options.points - 1);
  const rate = options.spinningRateKHz;
  const ctx: Context = {
    grid: powderGridFor(options.orientations ?? 2000),
    mode: options.mode,
    q,
    from: options.from,
    step,
    rotorPpm: rate === undefined ? 0 : (rate * 1e3) / larmorMHz,
  };
  const groups = new Map<string, { sites: number; bins: Binner }>();
  const u = new Float64Array(ctx.grid.vertices.length / 3);
  let total = 0;
  for (const s of sites) {
    const w = s.weight ?? 1;
    if (!Number.isFinite(w) || w < 0) {
      throw new EngineError("InvalidParameter", `site weight must be a non-negative number, got ${w}`, {
        field: "weight",
      });
    }
    const label = s.group ?? "all";
    let g = groups.get(label);
    if (!g) {
      g = { sites: 0, bins: new Binner(options.points) };
      groups.set(label, g);
    }
    g.sites++;
    total += w;
    accumulateSite(s, ctx, u, g.bins);
  }
  if (!(total > 0))
    throw new EngineError("InvalidParameter", "site weights sum to zero", { field: "weight" });
  const stepPpm = Math.abs(step);
  const scale = 1 / (total * stepPpm);
  const intensity = new Float64Array(options.points);
  let inside = 0;
  const out: SpectrumGroup[] = [];
  for (const [label, g] of groups) {
    const mass = g.bins.masses();
    inside += mass.reduce((a, m) => a + m, 0);
    const gi = finish(mass, scale, stepPpm, options, larmorMHz);
    for (let j = 0; j < gi.length; j++) intensity[j]! += gi[j]!;
    out.push({ label, sites: g.sites, intensity: gi });
  }
  const ppm = new Float64Array(options.points);
  for (let j = 0; j < ppm.length; j++) ppm[j] = options.from + j * step;
  return {
    ppm,
    intensity,
    groups: out,
    larmorMHz,
    orientations: ctx.grid.vertices.length / 3,
    outside: Math.max(0, 1 - inside / total),
  };
}
