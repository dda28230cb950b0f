/**
 * Large LTO cells for ω_Q prediction: 3×3×3 conventional spinel cells (1512 atoms: Li288 Ti360 O864) with
 * low-energy Li/Ti orderings on the 432 16d sites from seeded Metropolis Monte Carlo of Li/Ti swaps on the
 * Ewald electrostatic energy of formal charges (Li +1, Ti +4, O −2).
 *
 * Energy bookkeeping: with 16d charges q (Li 1, Ti 4), E = Σ_k q_k φ⁰_k + ½ qᵀ J q + const, where φ⁰ is the
 * Ewald potential of the fixed 8a/32e charges at the 16d sites and J the 432×432 Ewald interaction matrix
 * (both computed once for the ideal lattice). Swapping Li at a with Ti at b (Δq_a = +3, Δq_b = −3) changes E by
 * ΔE = 3(φ_a − φ_b) + (9/2)(J_aa + J_bb − 2 J_ab) with φ = φ⁰ + J q; an accepted swap updates φ in O(432).
 * The temperature is lowered geometrically from tStart to tEnd over the sweeps (simulated annealing, a sweep =
 * 432 attempted swaps), so the final orderings are low-energy states of the point-charge model.
 */
import { atomicNumber } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { Structure } from "../core/structure.js";
import { ewaldEfg, ewaldPairMatrix, ewaldPotential, HARTREE_EV } from "./ewald.js";
import { DEFAULT_STERNHEIMER, FORMAL_CHARGES, POINT_CHARGE_MODEL } from "./lto.js";
import { LTO_A, LTO_OXYGEN_X, type SpinelHost, spinelSupercell } from "./spinel.js";

/** Boltzmann constant in eV/K. */
export const KB_EV = 8.617333262e-5;

export interface LtoLargeOptions {
  /** Number of cells (default 20). */
  cells?: number;
  seed?: number;
  /** Supercell multiple of the conventional cell (default 3 → 1512 atoms). */
  supercell?: number;
  /** Annealing temperatures (K), start and end (default 10000 → 300). */
  tStart?: number;
  tEnd?: number;
  /** Monte Carlo sweeps per cell (default 200). */
  sweeps?: number;
  /** Gaussian rattle σ per Cartesian coordinate (Å) applied after the MC (default 0). */
  rattle?: number;
  /** Compute point-charge EFGs (default true). */
  efg?: boolean;
  sternheimer?: Partial<Record<"Li" | "Ti" | "O", number>>;
  tolerance?: number;
  onProgress?: (done: number, total: number, cell: LtoLargeCellReport) => void;
}

export interface LtoLargeCellReport {
  index: number;
  /** Ewald electrostatic energy of the final ordering (ideal positions), eV per cell. */
  energy: number;
  /** Energy change accumulated by the MC (eV; final − initial random ordering). */
  deltaE: number;
  acceptance: number;
}

export interface LtoLargeSummary {
  params: Required<Omit<LtoLargeOptions, "onProgress" | "sternheimer">> & {
    sternheimer: Record<string, number>;
  };
  atoms: number;
  composition: Record<string, number>;
  cells: LtoLargeCellReport[];
}

export interface LtoMonteCarlo {
  host: SpinelHost;
  sites16d: number[];
  /** J (m×m, eV per e²). */
  J: Float64Array;
  /** Potential of the fixed 8a/32e charges at the 16d sites (eV per e). */
  phi0: Float64Array;
}

/** Precompute the lattice, the 16d interaction matrix and the fixed-charge potential. */
export function ltoMonteCarloSetup(supercell = 3, tolerance = 1e-10): LtoMonteCarlo {
  const host = spinelSupercell(supercell, LTO_A, LTO_OXYGEN_X);
  const sites16d = host.sites.flatMap((s, i) => (s === "16d" ? [i] : []));
  const J = ewaldPairMatrix(host.cell, host.positions, sites16d, { tolerance });
  for (let i = 0; i < J.length; i++) J[i]! *= HARTREE_EV;
  const q = host.sites.map((s) => (s === "8a" ? 1 : s === "32e" ? -2 : 0));
  const phiAll = ewaldPotential(host.cell, host.positions, q, { tolerance });
  const phi0 = Float64Array.from(sites16d, (a) => phiAll[a]! * HARTREE_EV);
  return { host, sites16d, J, phi0 };
}

/** Ewald energy (eV) of a full structure of formal charges (ideal or rattled), ½ Σ q_i φ_i. */
export function ewaldEnergy(
  cell: ArrayLike<number>,
  positions: ArrayLike<number>,
  charges: ArrayLike<number>,
  tolerance = 1e-12,
): number {
  const phi = ewaldPotential(cell, positions, charges, { tolerance });
  let e = 0;
  for (let i = 0; i < charges.length; i++) e += charges[i]! * phi[i]!;
  return 0.5 * e * HARTREE_EV;
}

/**
 * Anneal one ordering: `isLi` (length m, 1 = Li on that 16d site) is modified in place.
 * Returns the accumulated energy change (eV) and the acceptance ratio.
 */
export function annealOrdering(
  mc: LtoMonteCarlo,
  isLi: Uint8Array,
  rng: Rng,
  opts: { tStart: number; tEnd: number; sweeps: number },
): { deltaE: number; acceptance: number } {
  const { J, phi0 } = mc;
  const m = phi0.length;
  const q = new Float64Array(m);
  for (let k = 0; k < m; k++) q[k] = isLi[k] ? 1 : 4;
  const phi = Float64Array.from(phi0);
  for (let k = 0; k < m; k++) {
    let s = 0;
    const row = k * m;
    for (let l = 0; l < m; l++) s += J[row + l]! * q[l]!;
    phi[k]! += s;
  }
  const li: number[] = [];
  const ti: number[] = [];
  for (let k = 0; k < m; k++) (isLi[k] ? li : ti).push(k);
  let dE = 0;
  let accepted = 0;
  const attempts = opts.sweeps * m;
  for (let t = 0; t < attempts; t++) {
    const T =
      opts.sweeps <= 1
        ? opts.tEnd
        : opts.tStart * (opts.tEnd / opts.tStart) ** (Math.floor(t / m) / (opts.sweeps - 1));
    const ia = rng.int(li.length);
    const ib = rng.int(ti.length);
    const a = li[ia]!;
    const b = ti[ib]!;
    const de = 3 * (phi[a]! - phi[b]!) + 4.5 * (J[a * m + a]! + J[b * m + b]! - 2 * J[a * m + b]!);
    if (de <= 0 || rng.uniform() < Math.exp(-de / (KB_EV * T))) {
      dE += de;
      accepted++;
      const ra = a * m;
      const rb = b * m;
      for (let k = 0; k < m; k++) phi[k]! += 3 * (J[ra + k]! - J[rb + k]!);
      isLi[a] = 0;
      isLi[b] = 1;
      li[ia] = b;
      ti[ib] = a;
    }
  }
  return { deltaE: dE, acceptance: attempts > 0 ? accepted / attempts : 0 };
}

export function generateLtoLarge(options: LtoLargeOptions = {}): {
  structures: Structure[];
  summary: LtoLargeSummary;
} {
  const p = {
    cells: options.cells ?? 20,
    seed: options.seed ?? 0,
    supercell: options.supercell ?? 3,
    tStart: options.tStart ?? 10000,
    tEnd: options.tEnd ?? 300,
    sweeps: options.sweeps ?? 200,
    rattle: options.rattle ?? 0,
    efg: options.efg ?? true,
    tolerance: options.tolerance ?? 1e-10,
    sternheimer: { ...DEFAULT_STERNHEIMER, ...(options.sternheimer ?? {}) } as Record<string, number>,
  };
  const bad = (field: string, msg: string): never => {
    throw new EngineError("InvalidParameter", msg, { field });
  };
  if (!(Number.isInteger(p.cells) && p.cells >= 1))
    bad("cells", `must be a positive integer, got ${p.cells}`);
  if (!(Number.isInteger(p.supercell) && p.supercell >= 1 && p.supercell <= 5))
    bad("supercell", "must be 1..5");
  if (!(p.tStart > 0 && p.tEnd > 0)) bad("temperature", "temperatures must be > 0 K");
  if (!(Number.isInteger(p.sweeps) && p.sweeps >= 0)) bad("sweeps", "must be a non-negative integer");
  if (!(p.rattle >= 0 && p.rattle < 0.5)) bad("rattle", "must be in [0, 0.5) Å");
  const mc = ltoMonteCarloSetup(p.supercell, p.tolerance);
  const { host, sites16d } = mc;
  const m = sites16d.length;
  const nLi16d = m / 6;
  const rng = new Rng(p.seed);
  const structures: Structure[] = [];
  const reports: LtoLargeCellReport[] = [];
  const n = host.sites.length;
  for (let c = 0; c < p.cells; c++) {
    // random initial ordering with exactly m/6 Li on 16d
    const perm = rng.shuffle([...Array(m).keys()]);
    const isLi = new Uint8Array(m);
    for (let k = 0; k < nLi16d; k++) isLi[perm[k]!] = 1;
    const { deltaE, acceptance } = annealOrdering(mc, isLi, rng, p);
    const species = host.sites.map((s) => (s === "8a" ? "Li" : s === "16d" ? "Ti" : "O"));
    sites16d.forEach((a, k) => {
      if (isLi[k]) species[a] = "Li";
    });
    const charges = species.map((s) => FORMAL_CHARGES[s]!);
    const energy = ewaldEnergy(host.cell, host.positions, charges, p.tolerance);
    const pos = Float64Array.from(host.positions);
    if (p.rattle > 0) for (let i = 0; i < pos.length; i++) pos[i]! += p.rattle * rng.normal();
    const arrays: Record<string, { ncols: number; data: Float64Array | string[] }> = {
      site: { ncols: 1, data: [...host.sites] },
    };
    if (p.efg) {
      const efg = ewaldEfg(host.cell, pos, charges, { tolerance: p.tolerance });
      for (let i = 0; i < n; i++) {
        const f = p.sternheimer[species[i]!] ?? 1;
        for (let k = 0; k < 9; k++) efg[9 * i + k]! *= f;
      }
      arrays.efg = { ncols: 9, data: efg };
    }
    const report = { index: c, energy, deltaE, acceptance };
    reports.push(report);
    structures.push(
      new Structure({
        numbers: species.map(atomicNumber),
        positions: pos,
        cell: host.cell,
        pbc: [true, true, true],
        arrays,
        info: {
          model: POINT_CHARGE_MODEL,
          ...(p.efg
            ? {
                efg_units: "au",
                sternheimer: Object.entries(p.sternheimer)
                  .map(([s, v]) => `${s}=${v}`)
                  .join(","),
              }
            : {}),
          cell_index: c,
          seed: p.seed,
          mc_t_start_K: p.tStart,
          mc_t_end_K: p.tEnd,
          mc_sweeps: p.sweeps,
          mc_acceptance: acceptance,
          ewald_energy_eV: energy,
          rattle_sigma_A: p.rattle,
          charges: "Li=1,Ti=4,O=-2",
        },
      }),
    );
    options.onProgress?.(c + 1, p.cells, report);
  }
  const composition: Record<string, number> = {};
  for (const z of structures[0]!.symbols()) composition[z] = (composition[z] ?? 0) + 1;
  return { structures, summary: { params: p, atoms: n, composition, cells: reports } };
}
