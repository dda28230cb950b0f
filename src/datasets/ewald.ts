/**
 * Ewald sums for point charges in a periodic cell: electric field gradient (EFG) tensors at every site,
 * electrostatic potentials, and the pairwise Ewald interaction matrix used by the LTO Monte Carlo.
 *
 * Convention (as in CASTEP .magres files): V_ij = ∂²φ/∂x_i∂x_j of the potential of all *other* charges
 * (self excluded), in atomic units (E_h / (e a0²); 1 a.u. = 97.1736 V/Å²). Positions in Å, charges in e.
 * Potentials in atomic units (E_h / e = 27.211386 V); energies in eV where stated.
 *
 * Splitting 1/r = erfc(αr)/r + erf(αr)/r. With the dimensionless accuracy parameter s:
 *   real-space cutoff r_c = s/α, reciprocal cutoff k_c = 2sα,
 * so both neglected tails are ∝ exp(−s²). α defaults to √π (w N / V²)^(1/6), which balances the real-space
 * work (∝ N ρ r_c³) against the reciprocal work (∝ N k_c³ V) and makes the total O(N^1.5).
 * The real-space sum runs over a Cartesian cell list of periodic images (ghosts) within r_c of the cell.
 * The reciprocal sum uses the half space of G vectors (G and −G give the same real contribution).
 * The uniform neutralising background and the self interaction of the smooth (erf) part only add a multiple
 * of the identity to the field-gradient tensor; the exact EFG of external charges is traceless (Laplace),
 * so the trace is removed at the end, as in `tools/ref_efg_ewald.py`.
 */
import { EngineError } from "../core/errors.js";
import { det3 } from "../core/structure.js";

/** Bohr radius in Å (CODATA 2018). */
export const BOHR_ANGSTROM = 0.529177210903;
/** Hartree energy in eV (CODATA 2018). */
export const HARTREE_EV = 27.211386245988;
/** 1 a.u. of EFG in V/Å² (E_h/(e a0²)). */
export const EFG_AU_IN_V_PER_A2 = HARTREE_EV / (BOHR_ANGSTROM * BOHR_ANGSTROM);
/** Coulomb constant e²/(4πε0) in eV·Å. */
export const COULOMB_EV_A = HARTREE_EV * BOHR_ANGSTROM;

const SQRT_PI = Math.sqrt(Math.PI);

export interface EwaldOptions {
  /**
   * Target accuracy: both neglected tails are ≈ exp(−s²) relative to the nearest-neighbour terms.
   * Default 1e-14 (s ≈ 5.9), which gives EFGs converged to ~1e-12 a.u. for ionic crystals.
   */
  tolerance?: number;
  /** Splitting parameter α in 1/Å; default √π (w N / V²)^(1/6) (cost balance). */
  alpha?: number;
  /** Real-space cutoff in Å; default s/α. */
  realCutoff?: number;
  /** Reciprocal-space cutoff in 1/Å; default 2sα. */
  recipCutoff?: number;
  /** Relative cost weight w of a reciprocal term versus a real-space term in the default α (default 3). */
  recipWeight?: number;
}

export interface EwaldParameters {
  alpha: number;
  realCutoff: number;
  recipCutoff: number;
  /** Dimensionless accuracy parameter s = α r_c. */
  s: number;
}

/** Choose α, r_c, k_c from the tolerance (see the module comment). */
export function ewaldParameters(cell: ArrayLike<number>, n: number, options: EwaldOptions = {}): EwaldParameters {
  const tol = options.tolerance ?? 1e-14;
  if (!(tol > 0 && tol < 1)) {
    throw new EngineError("InvalidParameter", `Ewald tolerance must be in (0, 1), got ${tol}`, {
      field: "tolerance",
    });
  }
  const vol = Math.abs(det3(cell));
  if (!(vol > 1e-10)) throw new EngineError("InvalidParameter", "Ewald sum needs a cell with non-zero volume");
  const s = Math.sqrt(-Math.log(tol));
  const w = options.recipWeight ?? 3;
  const alpha = options.alpha ?? SQRT_PI * ((w * Math.max(n, 1)) / (vol * vol)) ** (1 / 6);
  if (!(alpha > 0)) throw new EngineError("InvalidParameter", `Ewald alpha must be > 0, got ${alpha}`);
  return {
    alpha,
    realCutoff: options.realCutoff ?? s / alpha,
    recipCutoff: options.recipCutoff ?? 2 * s * alpha,
    s,
  };
}

/** Inverse of a row-major 3x3 matrix. */
function inv3(m: ArrayLike<number>): Float64Array {
  const d = det3(m);
  const r = new Float64Array(9);
  r[0] = (m[4]! * m[8]! - m[5]! * m[7]!) / d;
  r[1] = (m[2]! * m[7]! - m[1]! * m[8]!) / d;
  r[2] = (m[1]! * m[5]! - m[2]! * m[4]!) / d;
  r[3] = (m[5]! * m[6]! - m[3]! * m[8]!) / d;
  r[4] = (m[0]! * m[8]! - m[2]! * m[6]!) / d;
  r[5] = (m[2]! * m[3]! - m[0]! * m[5]!) / d;
  r[6] = (m[3]! * m[7]! - m[4]! * m[6]!) / d;
  r[7] = (m[1]! * m[6]! - m[0]! * m[7]!) / d;
  r[8] = (m[0]! * m[4]! - m[1]! * m[3]!) / d;
  return r;
}

function checkInputs(cell: ArrayLike<number>, positions: ArrayLike<number>, charges: ArrayLike<number>): number {
  if (cell.length !== 9) throw new EngineError("ShapeMismatch", "cell must have 9 entries (3 row vectors)");
  const n = charges.length;
  if (positions.length !== 3 * n) {
    throw new EngineError(
      "ShapeMismatch",
      `positions has ${positions.length} values, expected 3 x ${n} charges`,
      { field: "charges" },
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(charges[i]!)) {
      throw new EngineError("InvalidParameter", `charge of atom ${i} is not finite`, { field: "charges" });
    }
  }
  return n;
}

/** Periodic images ("ghosts") of the source atoms within r_c of the cell, binned in a Cartesian cell list. */
interface Ghosts {
  count: number;
  /** Cartesian positions, 3 per ghost, ordered by bin. */
  pos: Float64Array;
  /** Index of the source atom of each ghost. */
  owner: Int32Array;
  /** CSR bin offsets (nbins+1). */
  binStart: Int32Array;
  nb: [number, number, number];
  lo: [number, number, number];
  binSize: number;
  /** Wrapped Cartesian positions of all atoms (inside the cell). */
  wrapped: Float64Array;
}

function buildGhosts(
  cell: ArrayLike<number>,
  positions: ArrayLike<number>,
  n: number,
  rc: number,
  sourceMask: Uint8Array | null,
): Ghosts {
  const inv = inv3(cell);
  const vol = Math.abs(det3(cell));
  // plane spacings h_i = V / |a_j × a_k|
  const pad = [0, 0, 0];
  const nrep = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const j = (i + 1) % 3;
    const k = (i + 2) % 3;
    const cx = cell[3 * j + 1]! * cell[3 * k + 2]! - cell[3 * j + 2]! * cell[3 * k + 1]!;
    const cy = cell[3 * j + 2]! * cell[3 * k]! - cell[3 * j]! * cell[3 * k + 2]!;
    const cz = cell[3 * j]! * cell[3 * k + 1]! - cell[3 * j + 1]! * cell[3 * k]!;
    const h = vol / Math.hypot(cx, cy, cz);
    pad[i] = rc / h;
    nrep[i] = Math.ceil(rc / h) + 1;
  }
  const frac = new Float64Array(3 * n);
  const wrapped = new Float64Array(3 * n);
  for (let a = 0; a < n; a++) {
    const x = positions[3 * a]!;
    const y = positions[3 * a + 1]!;
    const z = positions[3 * a + 2]!;
    for (let i = 0; i < 3; i++) {
      let f = x * inv[i]! + y * inv[3 + i]! + z * inv[6 + i]!;
      f -= Math.floor(f);
      if (f >= 1) f -= 1;
      frac[3 * a + i] = f;
    }
    for (let i = 0; i < 3; i++) {
      wrapped[3 * a + i] =
        frac[3 * a]! * cell[i]! + frac[3 * a + 1]! * cell[3 + i]! + frac[3 * a + 2]! * cell[6 + i]!;
    }
  }
  // first pass: count ghosts
  const tmpPos: number[] = [];
  const tmpOwner: number[] = [];
  const [p0, p1, p2] = pad as [number, number, number];
  const [m0, m1, m2] = nrep as [number, number, number];
  for (let a = 0; a < n; a++) {
    if (sourceMask && !sourceMask[a]) continue;
    const f0 = frac[3 * a]!;
    const f1 = frac[3 * a + 1]!;
    const f2 = frac[3 * a + 2]!;
    for (let i0 = -m0; i0 <= m0; i0++) {
      const g0 = f0 + i0;
      if (g0 < -p0 || g0 > 1 + p0) continue;
      for (let i1 = -m1; i1 <= m1; i1++) {
        const g1 = f1 + i1;
        if (g1 < -p1 || g1 > 1 + p1) continue;
        for (let i2 = -m2; i2 <= m2; i2++) {
          const g2 = f2 + i2;
          if (g2 < -p2 || g2 > 1 + p2) continue;
          tmpPos.push(
            g0 * cell[0]! + g1 * cell[3]! + g2 * cell[6]!,
            g0 * cell[1]! + g1 * cell[4]! + g2 * cell[7]!,
            g0 * cell[2]! + g1 * cell[5]! + g2 * cell[8]!,
          );
          tmpOwner.push(a);
        }
      }
    }
  }
  const count = tmpOwner.length;
  const lo: [number, number, number] = [Infinity, Infinity, Infinity];
  const hi: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (let g = 0; g < count; g++) {
    for (let i = 0; i < 3; i++) {
      const v = tmpPos[3 * g + i]!;
      if (v < lo[i]!) lo[i] = v;
      if (v > hi[i]!) hi[i] = v;
    }
  }
  if (count === 0) {
    return {
      count,
      pos: new Float64Array(0),
      owner: new Int32Array(0),
      binStart: new Int32Array(2),
      nb: [1, 1, 1],
      lo: [0, 0, 0],
      binSize: rc,
      wrapped,
    };
  }
  // bins of size r_c/2 (scan ±2 bins): less empty volume than r_c bins with ±1
  const binSize = rc / 2;
  const nb: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < 3; i++) nb[i] = Math.max(1, Math.floor((hi[i]! - lo[i]!) / binSize) + 1);
  const nbins = nb[0] * nb[1] * nb[2];
  const binOf = new Int32Array(count);
  const binStart = new Int32Array(nbins + 1);
  for (let g = 0; g < count; g++) {
    const b0 = Math.min(nb[0] - 1, Math.floor((tmpPos[3 * g]! - lo[0]) / binSize));
    const b1 = Math.min(nb[1] - 1, Math.floor((tmpPos[3 * g + 1]! - lo[1]) / binSize));
    const b2 = Math.min(nb[2] - 1, Math.floor((tmpPos[3 * g + 2]! - lo[2]) / binSize));
    const b = (b0 * nb[1] + b1) * nb[2] + b2;
    binOf[g] = b;
    binStart[b + 1]!++;
  }
  for (let b = 0; b < nbins; b++) binStart[b + 1]! += binStart[b]!;
  const fill = binStart.slice(0, nbins);
  const pos = new Float64Array(3 * count);
  const owner = new Int32Array(count);
  for (let g = 0; g < count; g++) {
    const slot = fill[binOf[g]!]!++;
    pos[3 * slot] = tmpPos[3 * g]!;
    pos[3 * slot + 1] = tmpPos[3 * g + 1]!;
    pos[3 * slot + 2] = tmpPos[3 * g + 2]!;
    owner[slot] = tmpOwner[g]!;
  }
  return { count, pos, owner, binStart, nb, lo, binSize, wrapped };
}

/**
 * Visit every ghost within r_c of point (x,y,z), excluding distances below 1e-8 Å (the site itself).
 * Calls visit(ghostIndex, dx, dy, dz, r) with d = point − ghost.
 */
function forNeighbours(
  gh: Ghosts,
  x: number,
  y: number,
  z: number,
  rc: number,
  visit: (g: number, dx: number, dy: number, dz: number, r: number) => void,
): void {
  const { nb, lo, binSize, binStart, pos } = gh;
  const c0 = Math.floor((x - lo[0]) / binSize);
  const c1 = Math.floor((y - lo[1]) / binSize);
  const c2 = Math.floor((z - lo[2]) / binSize);
  const rc2 = rc * rc;
  for (let b0 = Math.max(0, c0 - 2); b0 <= Math.min(nb[0] - 1, c0 + 2); b0++) {
    for (let b1 = Math.max(0, c1 - 2); b1 <= Math.min(nb[1] - 1, c1 + 2); b1++) {
      const row = (b0 * nb[1] + b1) * nb[2];
      const start = binStart[row + Math.max(0, c2 - 2)]!;
      const end = binStart[row + Math.min(nb[2] - 1, c2 + 2) + 1]!;
      for (let g = start; g < end; g++) {
        const dx = x - pos[3 * g]!;
        const dy = y - pos[3 * g + 1]!;
        const dz = z - pos[3 * g + 2]!;
        const r2 = dx * dx + dy * dy + dz * dz;
        if (r2 >= rc2 || r2 < 1e-16) continue;
        visit(g, dx, dy, dz, Math.sqrt(r2));
      }
    }
  }
}

/** Reciprocal vectors G = h·B (B rows = 2π C^{-T}) in the half space, |G| < k_c. Flat 3 per vector. */
function halfSpaceKVectors(cell: ArrayLike<number>, kc: number): Float64Array {
  const inv = inv3(cell);
  // B = 2π (C^{-1})^T: row i of B is column i of C^{-1}
  const B = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) B[3 * i + j] = 2 * Math.PI * inv[3 * j + i]!;
  // h_i = G·a_i / 2π, so |h_i| ≤ k_c |a_i| / 2π
  const hmax = [0, 1, 2].map((i) =>
    Math.floor((kc * Math.hypot(cell[3 * i]!, cell[3 * i + 1]!, cell[3 * i + 2]!)) / (2 * Math.PI)),
  ) as [number, number, number];
  const out: number[] = [];
  const kc2 = kc * kc;
  for (let h0 = 0; h0 <= hmax[0]; h0++) {
    for (let h1 = -hmax[1]; h1 <= hmax[1]; h1++) {
      for (let h2 = -hmax[2]; h2 <= hmax[2]; h2++) {
        // half space: h0 > 0, or h0 = 0 and h1 > 0, or h0 = h1 = 0 and h2 > 0
        if (h0 === 0 && (h1 < 0 || (h1 === 0 && h2 <= 0))) continue;
        const gx = h0 * B[0]! + h1 * B[3]! + h2 * B[6]!;
        const gy = h0 * B[1]! + h1 * B[4]! + h2 * B[7]!;
        const gz = h0 * B[2]! + h1 * B[5]! + h2 * B[8]!;
        const g2 = gx * gx + gy * gy + gz * gz;
        if (g2 < kc2) out.push(gx, gy, gz);
      }
    }
  }
  return Float64Array.from(out);
}

/**
 * EFG tensors (9 per site, row-major, symmetric, traceless) at every site from point charges in a periodic
 * cell, in atomic units. `cell` rows are lattice vectors (Å); `positions` flat n×3 Cartesian (Å); `charges` in e.
 */
export function ewaldEfg(
  cell: ArrayLike<number>,
  positions: ArrayLike<number>,
  charges: ArrayLike<number>,
  options: EwaldOptions = {},
): Float64Array {
  const n = checkInputs(cell, positions, charges);
  const p = ewaldParameters(cell, n, options);
  const { alpha, realCutoff: rc, recipCutoff: kc } = p;
  const out = new Float64Array(9 * n);
  // --- real space: Hessian of erfc(αr)/r, f'' u u + (f'/r)(I − u u) ---
  const gh = buildGhosts(cell, positions, n, rc, null);
  const a2 = alpha * alpha;
  const twoAoverSqrtPi = (2 * alpha) / SQRT_PI;
  const acc = new Float64Array(6);
  const owner = gh.owner;
  const visit = (g: number, dx: number, dy: number, dz: number, r: number): void => {
    const q = charges[owner[g]!]!;
    if (q === 0) return;
    const ar = alpha * r;
    const e = Math.exp(-ar * ar);
    const ec = erfc(ar);
    const ir = 1 / r;
    const ir2 = ir * ir;
    const f1r = -(ec * ir2 + twoAoverSqrtPi * e * ir) * ir; // f'(r)/r
    const f2 = 2 * ec * ir2 * ir + 2 * twoAoverSqrtPi * e * (ir2 + a2); // f''(r)
    const cu = q * (f2 - f1r) * ir2; // coefficient of d d^T
    const ci = q * f1r; // coefficient of I
    acc[0]! += cu * dx * dx + ci;
    acc[1]! += cu * dy * dy + ci;
    acc[2]! += cu * dz * dz + ci;
    acc[3]! += cu * dx * dy;
    acc[4]! += cu * dx * dz;
    acc[5]! += cu * dy * dz;
  };
  const w = gh.wrapped;
  for (let s = 0; s < n; s++) {
    acc.fill(0);
    forNeighbours(gh, w[3 * s]!, w[3 * s + 1]!, w[3 * s + 2]!, rc, visit);
    const o = 9 * s;
    out[o] = acc[0]!;
    out[o + 4] = acc[1]!;
    out[o + 8] = acc[2]!;
    out[o + 1] = out[o + 3] = acc[3]!;
    out[o + 2] = out[o + 6] = acc[4]!;
    out[o + 5] = out[o + 7] = acc[5]!;
  }
  // --- reciprocal space: −(4π/V) Σ_G exp(−G²/4α²)/G² G G^T Σ_j q_j cos(G·(r_s − r_j)) ---
  const vol = Math.abs(det3(cell));
  const ks = halfSpaceKVectors(cell, kc);
  const nk = ks.length / 3;
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  for (let k = 0; k < nk; k++) {
    const gx = ks[3 * k]!;
    const gy = ks[3 * k + 1]!;
    const gz = ks[3 * k + 2]!;
    const g2 = gx * gx + gy * gy + gz * gz;
    // factor 2: G and −G
    const pref = ((8 * Math.PI) / vol) * Math.exp(-g2 / (4 * a2)) / g2;
    let sc = 0;
    let ss = 0;
    for (let j = 0; j < n; j++) {
      const ph = gx * positions[3 * j]! + gy * positions[3 * j + 1]! + gz * positions[3 * j + 2]!;
      const c = Math.cos(ph);
      const si = Math.sin(ph);
      cs[j] = c;
      sn[j] = si;
      const q = charges[j]!;
      sc += q * c;
      ss += q * si;
    }
    const gxx = gx * gx;
    const gyy = gy * gy;
    const gzz = gz * gz;
    const gxy = gx * gy;
    const gxz = gx * gz;
    const gyz = gy * gz;
    for (let s = 0; s < n; s++) {
      const c = pref * (cs[s]! * sc + sn[s]! * ss);
      const o = 9 * s;
      out[o]! -= c * gxx;
      out[o + 4]! -= c * gyy;
      out[o + 8]! -= c * gzz;
      out[o + 1]! -= c * gxy;
      out[o + 2]! -= c * gxz;
      out[o + 5]! -= c * gyz;
    }
  }
  // --- symmetrise, remove the trace, convert e/Å³ → a.u. (× a0³) ---
  const conv = BOHR_ANGSTROM * BOHR_ANGSTROM * BOHR_ANGSTROM;
  for (let s = 0; s < n; s++) {
    const o = 9 * s;
    out[o + 3] = out[o + 1]!;
    out[o + 6] = out[o + 2]!;
    out[o + 7] = out[o + 5]!;
    const t = (out[o]! + out[o + 4]! + out[o + 8]!) / 3;
    out[o]! -= t;
    out[o + 4]! -= t;
    out[o + 8]! -= t;
    for (let c = 0; c < 9; c++) out[o + c]! *= conv;
  }
  return out;
}

/**
 * Electrostatic potential at every site from all other charges (self excluded) plus a uniform neutralising
 * background if the cell is charged, in atomic units (E_h/e). The total energy is ½ Σ q_i φ_i.
 */
export function ewaldPotential(
  cell: ArrayLike<number>,
  positions: ArrayLike<number>,
  charges: ArrayLike<number>,
  options: EwaldOptions = {},
): Float64Array {
  const n = checkInputs(cell, positions, charges);
  const { alpha, realCutoff: rc, recipCutoff: kc } = ewaldParameters(cell, n, options);
  const vol = Math.abs(det3(cell));
  const out = new Float64Array(n);
  const gh = buildGhosts(cell, positions, n, rc, null);
  let acc = 0;
  const owner = gh.owner;
  const visit = (g: number, _dx: number, _dy: number, _dz: number, r: number): void => {
    acc += (charges[owner[g]!]! * erfc(alpha * r)) / r;
  };
  let qtot = 0;
  for (let j = 0; j < n; j++) qtot += charges[j]!;
  const w = gh.wrapped;
  for (let s = 0; s < n; s++) {
    acc = 0;
    forNeighbours(gh, w[3 * s]!, w[3 * s + 1]!, w[3 * s + 2]!, rc, visit);
    out[s] = acc - ((2 * alpha) / SQRT_PI) * charges[s]! - (Math.PI / (alpha * alpha * vol)) * qtot;
  }
  const ks = halfSpaceKVectors(cell, kc);
  const nk = ks.length / 3;
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  for (let k = 0; k < nk; k++) {
    const gx = ks[3 * k]!;
    const gy = ks[3 * k + 1]!;
    const gz = ks[3 * k + 2]!;
    const g2 = gx * gx + gy * gy + gz * gz;
    const pref = ((8 * Math.PI) / vol) * Math.exp(-g2 / (4 * alpha * alpha)) / g2;
    let sc = 0;
    let ss = 0;
    for (let j = 0; j < n; j++) {
      const ph = gx * positions[3 * j]! + gy * positions[3 * j + 1]! + gz * positions[3 * j + 2]!;
      cs[j] = Math.cos(ph);
      sn[j] = Math.sin(ph);
      sc += charges[j]! * cs[j]!;
      ss += charges[j]! * sn[j]!;
    }
    for (let s = 0; s < n; s++) out[s]! += pref * (cs[s]! * sc + sn[s]! * ss);
  }
  for (let s = 0; s < n; s++) out[s]! *= BOHR_ANGSTROM;
  return out;
}

/**
 * Ewald interaction matrix J (m×m, row-major, atomic units E_h/e²) among the sites `sites` of a periodic
 * lattice: J_kl is the potential at site k of a unit charge at site l and all its periodic images (with a
 * neutralising background); J_kk excludes the site itself. For charges q on these sites (and nothing else),
 * the energy is ½ qᵀ J q when Σq = 0.
 */
export function ewaldPairMatrix(
  cell: ArrayLike<number>,
  positions: ArrayLike<number>,
  sites: readonly number[],
  options: EwaldOptions = {},
): Float64Array {
  const n = positions.length / 3;
  const m = sites.length;
  const sub = new Float64Array(3 * m);
  sites.forEach((a, k) => {
    if (!(a >= 0 && a < n)) throw new EngineError("InvalidParameter", `site index ${a} out of range`);
    sub[3 * k] = positions[3 * a]!;
    sub[3 * k + 1] = positions[3 * a + 1]!;
    sub[3 * k + 2] = positions[3 * a + 2]!;
  });
  const { alpha, realCutoff: rc, recipCutoff: kc } = ewaldParameters(cell, m, options);
  const vol = Math.abs(det3(cell));
  const J = new Float64Array(m * m);
  const gh = buildGhosts(cell, sub, m, rc, null);
  const owner = gh.owner;
  let row = 0;
  const visit = (g: number, _dx: number, _dy: number, _dz: number, r: number): void => {
    J[row + owner[g]!]! += erfc(alpha * r) / r;
  };
  const w = gh.wrapped;
  const bg = Math.PI / (alpha * alpha * vol);
  for (let k = 0; k < m; k++) {
    row = k * m;
    forNeighbours(gh, w[3 * k]!, w[3 * k + 1]!, w[3 * k + 2]!, rc, visit);
    for (let l = 0; l < m; l++) J[row + l]! -= bg;
    J[row + k]! -= (2 * alpha) / SQRT_PI;
  }
  const ks = halfSpaceKVectors(cell, kc);
  const nk = ks.length / 3;
  // J_rec = Σ_G A_G (c cᵀ + s sᵀ): accumulate in blocks of G vectors
  const cs = new Float64Array(m);
  const sn = new Float64Array(m);
  for (let k = 0; k < nk; k++) {
    const gx = ks[3 * k]!;
    const gy = ks[3 * k + 1]!;
    const gz = ks[3 * k + 2]!;
    const g2 = gx * gx + gy * gy + gz * gz;
    const pref = ((8 * Math.PI) / vol) * Math.exp(-g2 / (4 * alpha * alpha)) / g2;
    const sq = Math.sqrt(pref);
    for (let j = 0; j < m; j++) {
      const ph = gx * sub[3 * j]! + gy * sub[3 * j + 1]! + gz * sub[3 * j + 2]!;
      cs[j] = sq * Math.cos(ph);
      sn[j] = sq * Math.sin(ph);
    }
    for (let a = 0; a < m; a++) {
      const ca = cs[a]!;
      const sa = sn[a]!;
      const r = a * m;
      for (let b = a; b < m; b++) J[r + b]! += ca * cs[b]! + sa * sn[b]!;
    }
  }
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      // real part is symmetric already; the reciprocal part was accumulated in the upper triangle only
      const rec = J[a * m + b]! - J[b * m + a]!;
      J[b * m + a]! += rec;
    }
  }
  for (let i = 0; i < m * m; i++) J[i]! *= BOHR_ANGSTROM;
  return J;
}

/**
 * Complementary error function to ~1e-16 relative accuracy for x ≥ 0 (W. J. Cody's rational Chebyshev
 * approximations, Math. Comp. 23 (1969) 631, as in many libm implementations).
 */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 0.5) {
    const t = x * x;
    const top = (((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t +
      377.485237685302021) * t + 3209.37758913846947;
    const bot = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t +
      2844.23683343917062;
    return 1 - (x * top) / bot;
  }
  if (ax < 4) {
    const top =
      (((((((2.15311535474403846e-8 * ax + 0.564188496988670089) * ax + 8.88314979438837594) * ax +
        66.1191906371416295) * ax + 298.635138197400131) * ax + 881.952221241769090) * ax +
        1712.04761263407058) * ax + 2051.07837782607147) * ax + 1230.33935479799725;
    const bot =
      (((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax + 537.181101862009858) * ax +
        1621.38957456669019) * ax + 3290.79923573345963) * ax + 4362.61909014324716) * ax +
        3439.36767414372164) * ax + 1230.33935480374942;
    r = top / bot;
  } else {
    const z = 1 / (ax * ax);
    const top =
      ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z +
        0.125781726111229246) * z + 0.0160837851487422766) * z + 6.58749161529837803e-4;
    const bot =
      ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z +
        0.0605183413124413191) * z + 0.00233520497626869185;
    r = (1 / SQRT_PI - (z * top) / bot) / ax;
  }
  // exp(−x²) computed as exp(−xs²)·exp(−(x−xs)(x+xs)) with xs = x rounded to 1/16 to limit cancellation
  const xs = Math.trunc(ax * 16) / 16;
  r *= Math.exp(-xs * xs) * Math.exp(-(ax - xs) * (ax + xs));
  return x < 0 ? 2 - r : r;
}
