/**
 * The point-charge LTO-EFG database: Harper et al.'s protocol (42-atom R-3m cell Li8Ti10O24, the 6
 * symmetry-inequivalent Li/Ti orderings on 16d, rattled and lattice-rescaled; 1640 structures → 68 880 tensors)
 * with EFG tensors from an Ewald point-charge model (formal charges) times per-species Sternheimer-like factors.
 * NOT DFT: every structure carries `model="point-charge (formal charges, Ewald), not DFT"`.
 */
import { atomicNumber } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { det3, Structure } from "../core/structure.js";
import { ewaldEfg } from "./ewald.js";
import {
  findSymmetryOps,
  inv3,
  LTO_A,
  LTO_OXYGEN_X,
  lto42Host,
  type OrderingClass,
  orderingClasses,
  type SpinelHost,
} from "./spinel.js";

export const POINT_CHARGE_MODEL = "point-charge (formal charges, Ewald), not DFT";

/** Formal charges (e). */
export const FORMAL_CHARGES: Readonly<Record<string, number>> = { Li: 1, Ti: 4, O: -2 };

/**
 * Default per-species scale factors (1 − γ∞, Sternheimer antishielding) applied to the bare point-charge EFG.
 * Order-of-magnitude free-ion values: Li⁺ γ∞ ≈ +0.26 (a closed 1s² shell shields slightly) → 0.74;
 * Ti⁴⁺ (Ar core) γ∞ ≈ −12 → 13; O²⁻ is unbound as a free ion, so it has no free-ion γ∞ → 1 (bare).
 * They are per-species constants: they change the magnitudes (units) of the targets, not what has to be learnt.
 */
export const DEFAULT_STERNHEIMER: Readonly<Record<string, number>> = { Li: 0.74, Ti: 13, O: 1 };

/**
 * Shortest allowed distances (Å) by pair kind; a rattled structure with a shorter distance is redrawn.
 * Ideal distances at a = 8.3595 Å: Li(8a)–O 1.97, Ti(16d)–O 2.00, O–O 2.65, 16d–16d 2.96, 8a–16d 3.47.
 */
export const DEFAULT_MIN_DISTANCE: Readonly<Record<string, number>> = {
  "cation-O": 1.5,
  "O-O": 2.1,
  "cation-cation": 2.3,
};

export interface LtoOptions {
  /** Number of structures (default 1640). */
  structures?: number;
  seed?: number;
  /** Range of the Gaussian rattle standard deviation per Cartesian coordinate, drawn per structure (Å). */
  rattleMin?: number;
  rattleMax?: number;
  /** Range of the isotropic lattice scale factor, drawn per structure. */
  scaleMin?: number;
  scaleMax?: number;
  /** Independent extra scaling of each lattice vector, uniform in [1 − strain, 1 + strain]. */
  strain?: number;
  /** Shortest allowed distances (Å) by pair kind. */
  minDistance?: Partial<Record<"cation-O" | "O-O" | "cation-cation", number>>;
  /** Per-species EFG scale factors (1 − γ∞). */
  sternheimer?: Partial<Record<"Li" | "Ti" | "O", number>>;
  /** Ewald tolerance (see ewald.ts). */
  tolerance?: number;
  /** Cubic lattice constant (Å) and oxygen parameter. */
  a?: number;
  oxygenX?: number;
  /** Called after each structure with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface ResolvedLtoParams {
  structures: number;
  seed: number;
  rattleMin: number;
  rattleMax: number;
  scaleMin: number;
  scaleMax: number;
  strain: number;
  minDistance: Record<string, number>;
  sternheimer: Record<string, number>;
  charges: Record<string, number>;
  tolerance: number;
  a: number;
  oxygenX: number;
  orderingSampling: string;
}

export interface LtoSummary {
  params: ResolvedLtoParams;
  orderings: { id: number; multiplicity: number; stabiliser: number; structures: number }[];
  rejected: number;
  tensors: number;
  /**
   * Interatomic distance statistics (Å) of first-shell pairs (as in Harper's Fig. 2b): for each pair of Wyckoff
   * sites, the pairs whose ideal distance is within 0.1 Å of the shortest ideal distance of that site pair,
   * followed through rattling and scaling; keyed by species (Li split into 8a and 16d).
   */
  distances: Record<string, { count: number; mean: number; std: number; min: number; max: number }>;
  /** |Vzz| (a.u., after scale factors) and η statistics per species. */
  efg: Record<string, { count: number; vzz: Stats; eta: Stats }>;
}

export interface Stats {
  mean: number;
  std: number;
  min: number;
  max: number;
}

export function resolveLtoParams(o: LtoOptions = {}): ResolvedLtoParams {
  const p: ResolvedLtoParams = {
    structures: o.structures ?? 1640,
    seed: o.seed ?? 0,
    rattleMin: o.rattleMin ?? 0.02,
    rattleMax: o.rattleMax ?? 0.2,
    scaleMin: o.scaleMin ?? 0.95,
    scaleMax: o.scaleMax ?? 1.05,
    strain: o.strain ?? 0.02,
    minDistance: { ...DEFAULT_MIN_DISTANCE, ...(o.minDistance ?? {}) } as Record<string, number>,
    sternheimer: { ...DEFAULT_STERNHEIMER, ...(o.sternheimer ?? {}) } as Record<string, number>,
    charges: { ...FORMAL_CHARGES },
    tolerance: o.tolerance ?? 1e-12,
    a: o.a ?? LTO_A,
    oxygenX: o.oxygenX ?? LTO_OXYGEN_X,
    orderingSampling: "round-robin over the 6 classes; random member of the orbit",
  };
  const bad = (field: string, msg: string): never => {
    throw new EngineError("InvalidParameter", msg, { field });
  };
  if (!(Number.isInteger(p.structures) && p.structures >= 1))
    bad("structures", `must be a positive integer, got ${p.structures}`);
  if (!Number.isFinite(p.seed)) bad("seed", "must be a finite number");
  if (!(p.rattleMin >= 0 && p.rattleMax >= p.rattleMin && p.rattleMax < 1)) {
    bad("rattle", `need 0 ≤ rattleMin ≤ rattleMax < 1 Å, got ${p.rattleMin}..${p.rattleMax}`);
  }
  if (!(p.scaleMin > 0.5 && p.scaleMax >= p.scaleMin && p.scaleMax < 2)) {
    bad("scale", `need 0.5 < scaleMin ≤ scaleMax < 2, got ${p.scaleMin}..${p.scaleMax}`);
  }
  if (!(p.strain >= 0 && p.strain < 0.3)) bad("strain", `need 0 ≤ strain < 0.3, got ${p.strain}`);
  for (const [k, v] of Object.entries(p.sternheimer))
    if (!Number.isFinite(v)) bad("sternheimer", `${k}: not finite`);
  for (const [k, v] of Object.entries(p.minDistance)) if (!(v >= 0)) bad("minDistance", `${k}: must be ≥ 0`);
  return p;
}

/** The ideal host, its 16d sites and the 6 ordering classes (computed once per lattice parameters). */
export interface LtoOrderings {
  host: SpinelHost;
  sites16d: number[];
  classes: OrderingClass[];
  groupOrder: number;
}

export function lto42Orderings(a = LTO_A, x = LTO_OXYGEN_X): LtoOrderings {
  const host = lto42Host(a, x);
  const ops = findSymmetryOps(host.cell, host.frac, host.sites);
  const sites16d = host.sites.flatMap((s, i) => (s === "16d" ? [i] : []));
  return { host, sites16d, classes: orderingClasses(sites16d, 2, ops), groupOrder: ops.length };
}

/** Species of each host atom for a placement of Li on 16d (indices into sites16d). */
export function ltoSpecies(o: LtoOrderings, li16d: readonly number[]): string[] {
  const sp = o.host.sites.map((s) => (s === "8a" ? "Li" : s === "16d" ? "Ti" : "O"));
  for (const k of li16d) sp[o.sites16d[k]!] = "Li";
  return sp;
}

function pairKind(a: string, b: string): string {
  if (a === "O" && b === "O") return "O-O";
  if (a === "O" || b === "O") return "cation-O";
  return "cation-cation";
}

/**
 * Visit every pair (i<j, with periodic images) closer than rmax; rmax must be below the smallest plane
 * spacing of the cell (true for the 42-atom cell: 5.1 Å, with rmax ≤ 3.6 Å), so images −1..1 suffice.
 */
function forPairs(
  cell: Float64Array,
  pos: Float64Array,
  rmax: number,
  visit: (i: number, j: number, r: number) => void,
): void {
  const n = pos.length / 3;
  const inv = inv3(cell);
  const frac = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const f = pos[3 * i]! * inv[c]! + pos[3 * i + 1]! * inv[3 + c]! + pos[3 * i + 2]! * inv[6 + c]!;
      frac[3 * i + c] = f - Math.floor(f);
    }
  }
  const r2max = rmax * rmax;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const d0 = frac[3 * j]! - frac[3 * i]!;
      const d1 = frac[3 * j + 1]! - frac[3 * i + 1]!;
      const d2 = frac[3 * j + 2]! - frac[3 * i + 2]!;
      for (let s0 = -1; s0 <= 1; s0++) {
        for (let s1 = -1; s1 <= 1; s1++) {
          for (let s2 = -1; s2 <= 1; s2++) {
            if (i === j && s0 === 0 && s1 === 0 && s2 === 0) continue;
            const f0 = d0 + s0 - Math.round(d0);
            const f1 = d1 + s1 - Math.round(d1);
            const f2 = d2 + s2 - Math.round(d2);
            const x = f0 * cell[0]! + f1 * cell[3]! + f2 * cell[6]!;
            const y = f0 * cell[1]! + f1 * cell[4]! + f2 * cell[7]!;
            const z = f0 * cell[2]! + f1 * cell[5]! + f2 * cell[8]!;
            const r2 = x * x + y * y + z * z;
            if (r2 < r2max) {
              // an i–i image pair is seen twice (±shift); count it once
              if (i === j && (s0 < 0 || (s0 === 0 && (s1 < 0 || (s1 === 0 && s2 < 0))))) continue;
              visit(i, j, Math.sqrt(r2));
            }
          }
        }
      }
    }
  }
}

/** First-shell neighbour pairs (i, j, integer image shift) of the ideal host, per pair of Wyckoff sites. */
function firstShellPairs(host: SpinelHost): { i: number[]; j: number[]; shift: number[] } {
  const n = host.sites.length;
  const cand: { i: number; j: number; s: [number, number, number]; d: number; kind: string }[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      for (let s0 = -1; s0 <= 1; s0++) {
        for (let s1 = -1; s1 <= 1; s1++) {
          for (let s2 = -1; s2 <= 1; s2++) {
            if (i === j && (s0 < 0 || (s0 === 0 && (s1 < 0 || (s1 === 0 && s2 <= 0))))) continue;
            let r2 = 0;
            for (let c = 0; c < 3; c++) {
              const d =
                host.positions[3 * j + c]! -
                host.positions[3 * i + c]! +
                s0 * host.cell[c]! +
                s1 * host.cell[3 + c]! +
                s2 * host.cell[6 + c]!;
              r2 += d * d;
            }
            const d = Math.sqrt(r2);
            if (d < 4)
              cand.push({ i, j, s: [s0, s1, s2], d, kind: [host.sites[i], host.sites[j]].sort().join("-") });
          }
        }
      }
    }
  }
  const dmin = new Map<string, number>();
  for (const c of cand) dmin.set(c.kind, Math.min(dmin.get(c.kind) ?? Infinity, c.d));
  const out = { i: [] as number[], j: [] as number[], shift: [] as number[] };
  for (const c of cand) {
    if (c.d < dmin.get(c.kind)! + 0.1) {
      out.i.push(c.i);
      out.j.push(c.j);
      out.shift.push(...c.s);
    }
  }
  return out;
}

/** True if position x of atom i keeps the minimum distances to every other atom (all images −1..1). */
function farEnough(
  cell: Float64Array,
  inv: Float64Array,
  pos: Float64Array,
  species: readonly string[],
  i: number,
  x: Float64Array,
  minDistance: Record<string, number>,
): boolean {
  const n = pos.length / 3;
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    const dmin = minDistance[pairKind(species[i]!, species[j]!)]!;
    const dx = x[0]! - pos[3 * j]!;
    const dy = x[1]! - pos[3 * j + 1]!;
    const dz = x[2]! - pos[3 * j + 2]!;
    const f0 = dx * inv[0]! + dy * inv[3]! + dz * inv[6]!;
    const f1 = dx * inv[1]! + dy * inv[4]! + dz * inv[7]!;
    const f2 = dx * inv[2]! + dy * inv[5]! + dz * inv[8]!;
    const g0 = f0 - Math.round(f0);
    const g1 = f1 - Math.round(f1);
    const g2 = f2 - Math.round(f2);
    for (let s0 = -1; s0 <= 1; s0++) {
      for (let s1 = -1; s1 <= 1; s1++) {
        for (let s2 = -1; s2 <= 1; s2++) {
          const h0 = g0 + s0;
          const h1 = g1 + s1;
          const h2 = g2 + s2;
          const ex = h0 * cell[0]! + h1 * cell[3]! + h2 * cell[6]!;
          const ey = h0 * cell[1]! + h1 * cell[4]! + h2 * cell[7]!;
          const ez = h0 * cell[2]! + h1 * cell[5]! + h2 * cell[8]!;
          if (ex * ex + ey * ey + ez * ez < dmin * dmin) return false;
        }
      }
    }
  }
  return true;
}

/** Principal components with |Vxx| ≤ |Vyy| ≤ |Vzz| and η = (Vxx − Vyy)/Vzz for a symmetric 3×3 tensor. */
export function efgPrincipal(t: ArrayLike<number>, off = 0): { vzz: number; eta: number } {
  const ev = symEigenvalues3(t, off);
  ev.sort((x, y) => Math.abs(x) - Math.abs(y));
  const [vxx, vyy, vzz] = ev as [number, number, number];
  return { vzz, eta: vzz === 0 ? 0 : (vxx - vyy) / vzz };
}

/** Eigenvalues of a symmetric 3×3 matrix (row-major at offset off), closed form (trigonometric). */
export function symEigenvalues3(t: ArrayLike<number>, off = 0): number[] {
  const a = t[off]!;
  const b = t[off + 4]!;
  const c = t[off + 8]!;
  const d = (t[off + 1]! + t[off + 3]!) / 2;
  const e = (t[off + 5]! + t[off + 7]!) / 2;
  const f = (t[off + 2]! + t[off + 6]!) / 2;
  const p1 = d * d + e * e + f * f;
  const q = (a + b + c) / 3;
  const p2 = (a - q) ** 2 + (b - q) ** 2 + (c - q) ** 2 + 2 * p1;
  if (p2 === 0) return [q, q, q];
  const p = Math.sqrt(p2 / 6);
  const B = [(a - q) / p, d / p, f / p, d / p, (b - q) / p, e / p, f / p, e / p, (c - q) / p];
  const detB = det3(B) / 2;
  const r = Math.max(-1, Math.min(1, detB));
  const phi = Math.acos(r) / 3;
  const e1 = q + 2 * p * Math.cos(phi);
  const e3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  return [e1, 3 * q - e1 - e3, e3];
}

class StatAcc {
  n = 0;
  s = 0;
  s2 = 0;
  min = Infinity;
  max = -Infinity;
  add(x: number): void {
    this.n++;
    this.s += x;
    this.s2 += x * x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }
  get(): Stats {
    const mean = this.s / Math.max(this.n, 1);
    return {
      mean,
      std: Math.sqrt(Math.max(0, this.s2 / Math.max(this.n, 1) - mean * mean)),
      min: this.min,
      max: this.max,
    };
  }
}

/**
 * Generate the database. Deterministic for a given seed and options: structure k uses ordering class
 * (k mod 6), a random member of that orbit, a lattice scale s ∈ U[scaleMin, scaleMax] times independent
 * per-vector factors U[1 − strain, 1 + strain], and Gaussian displacements with σ ∈ U[rattleMin, rattleMax]
 * (Monte Carlo rattle: an atom's displacement is redrawn while it
 * would come closer than the minimum distance for its pair kind).
 */
// long: the seeded draw order (occupation, strain, rattle per structure) is part of the output; one loop keeps it visible
export function generateLto(options: LtoOptions = {}): { structures: Structure[]; summary: LtoSummary } {
  const p = resolveLtoParams(options);
  const ord = lto42Orderings(p.a, p.oxygenX);
  if (ord.classes.length !== 6) {
    throw new EngineError("Internal", `expected 6 inequivalent orderings, found ${ord.classes.length}`);
  }
  const rng = new Rng(p.seed);
  const host = ord.host;
  const n = host.sites.length;
  const out: Structure[] = [];
  const counts = new Array<number>(ord.classes.length).fill(0);
  let rejected = 0;
  const distAcc = new Map<string, StatAcc>();
  const shell = firstShellPairs(host);
  const efgAcc = new Map<string, { vzz: StatAcc; eta: StatAcc }>();
  const pos = new Float64Array(3 * n);
  const cell = new Float64Array(9);
  for (let k = 0; k < p.structures; k++) {
    const cls = ord.classes[k % ord.classes.length]!;
    counts[k % ord.classes.length]!++;
    const member = cls.members[rng.int(cls.members.length)]!;
    const species = ltoSpecies(ord, member);
    const siteLabel = [...host.sites];
    const scale = p.scaleMin + (p.scaleMax - p.scaleMin) * rng.uniform();
    const sigma = p.rattleMin + (p.rattleMax - p.rattleMin) * rng.uniform();
    for (let r = 0; r < 3; r++) {
      const f = scale * (1 + p.strain * (2 * rng.uniform() - 1));
      for (let c = 0; c < 3; c++) cell[3 * r + c] = host.cell[3 * r + c]! * f;
    }
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) {
        pos[3 * i + c] =
          host.frac[3 * i]! * cell[c]! +
          host.frac[3 * i + 1]! * cell[3 + c]! +
          host.frac[3 * i + 2]! * cell[6 + c]!;
      }
    }
    // Monte Carlo rattle (as hiphive's mc_rattle): atoms are displaced one at a time in random order; a
    // Gaussian displacement is redrawn while the atom would come closer than the minimum distance to any
    // other atom (at its current position). Every pair is checked when the later of its two atoms moves.
    const inv = inv3(cell);
    const order = rng.shuffle([...Array(n).keys()]);
    const trial = new Float64Array(3);
    for (const i of order) {
      for (let attempt = 0; attempt < 200; attempt++) {
        for (let c = 0; c < 3; c++) trial[c] = pos[3 * i + c]! + sigma * rng.normal();
        if (farEnough(cell, inv, pos, species, i, trial, p.minDistance)) {
          pos.set(trial, 3 * i);
          break;
        }
        rejected++;
      }
    }
    forPairs(cell, pos, 3, (i, j, r) => {
      if (r < p.minDistance[pairKind(species[i]!, species[j]!)]!) {
        throw new EngineError(
          "InvalidParameter",
          `atoms ${i} and ${j} are ${r.toFixed(3)} Å apart; lower the rattle`,
          {
            field: "rattle",
          },
        );
      }
    });
    for (let t = 0; t < shell.i.length; t++) {
      const i = shell.i[t]!;
      const j = shell.j[t]!;
      const f0 = shell.shift[3 * t]!;
      const f1 = shell.shift[3 * t + 1]!;
      const f2 = shell.shift[3 * t + 2]!;
      let r2 = 0;
      for (let c = 0; c < 3; c++) {
        const d = pos[3 * j + c]! - pos[3 * i + c]! + f0 * cell[c]! + f1 * cell[3 + c]! + f2 * cell[6 + c]!;
        r2 += d * d;
      }
      const a = species[i] === "Li" ? `Li(${host.sites[i]})` : species[i]!;
      const b = species[j] === "Li" ? `Li(${host.sites[j]})` : species[j]!;
      const key = [a, b].sort().join("-");
      let acc = distAcc.get(key);
      if (!acc) distAcc.set(key, (acc = new StatAcc()));
      acc.add(Math.sqrt(r2));
    }
    const q = species.map((s) => p.charges[s]!);
    const efg = ewaldEfg(cell, pos, q, { tolerance: p.tolerance });
    for (let i = 0; i < n; i++) {
      const f = p.sternheimer[species[i]!] ?? 1;
      for (let c = 0; c < 9; c++) efg[9 * i + c]! *= f;
      const pr = efgPrincipal(efg, 9 * i);
      let acc = efgAcc.get(species[i]!);
      if (!acc) efgAcc.set(species[i]!, (acc = { vzz: new StatAcc(), eta: new StatAcc() }));
      acc.vzz.add(Math.abs(pr.vzz));
      acc.eta.add(pr.eta);
    }
    out.push(
      new Structure({
        numbers: species.map(atomicNumber),
        positions: pos,
        cell,
        pbc: [true, true, true],
        arrays: { efg: { ncols: 9, data: efg }, site: { ncols: 1, data: siteLabel } },
        info: {
          model: POINT_CHARGE_MODEL,
          efg_units: "au",
          structure_index: k,
          seed: p.seed,
          ordering: cls.id,
          ordering_multiplicity: cls.members.length,
          li_16d: member.map((m) => ord.sites16d[m]!).join(","),
          lattice_scale: scale,
          rattle_sigma_A: sigma,
          charges: "Li=1,Ti=4,O=-2",
          sternheimer: Object.entries(p.sternheimer)
            .map(([s, v]) => `${s}=${v}`)
            .join(","),
        },
      }),
    );
    options.onProgress?.(k + 1, p.structures);
  }
  const distances: LtoSummary["distances"] = {};
  for (const [k, acc] of [...distAcc.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    distances[k] = { count: acc.n, ...acc.get() };
  }
  const efgStats: LtoSummary["efg"] = {};
  for (const [k, acc] of [...efgAcc.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    efgStats[k] = { count: acc.vzz.n, vzz: acc.vzz.get(), eta: acc.eta.get() };
  }
  return {
    structures: out,
    summary: {
      params: p,
      orderings: ord.classes.map((c, i) => ({
        id: c.id,
        multiplicity: c.members.length,
        stabiliser: c.stabiliser,
        structures: counts[i]!,
      })),
      rejected,
      tensors: out.length * n,
      distances,
      efg: efgStats,
    },
  };
}
