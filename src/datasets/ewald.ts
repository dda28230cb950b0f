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
import { det3, type Structure } from "../core/structure.js";

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
  /** Relative cost weight w of a reciprocal term versus a real-space term in the default α (default 10). */
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
export function ewaldParameters(
  cell: ArrayLike<number>,
  n: number,
  options: EwaldOptions = {},
): EwaldParameters {
  const tol = options.tolerance ?? 1e-14;
  if (!(tol > 0 && tol < 1)) {
    throw new EngineError("InvalidParameter", `Ewald tolerance must be in (0, 1), got ${tol}`, {
      field: "tolerance",
    });
  }
  const vol = Math.abs(det3(cell));
  if (!(vol > 1e-10))
    throw new EngineError("InvalidParameter", "Ewald sum needs a cell with non-zero volume");
  const s = Math.sqrt(-Math.log(tol));
  const w = options.recipWeight ?? 10;
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

function checkInputs(
  cell: ArrayLike<number>,
  positions: ArrayLike<number>,
  charges: ArrayLike<number>,
): number {
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

// long: ghost counting, binning (a counting sort) and filling share their typed arrays, as in neighborList
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

/** Site indices ordered by cell-list bin, so that consecutive sites scan the same ghosts (cache locality). */
function spatialOrder(gh: Ghosts, n: number): Int32Array {
  const key = new Float64Array(n);
  const w = gh.wrapped;
  for (let s = 0; s < n; s++) {
    const b0 = Math.floor((w[3 * s]! - gh.lo[0]) / gh.binSize);
    const b1 = Math.floor((w[3 * s + 1]! - gh.lo[1]) / gh.binSize);
    const b2 = Math.floor((w[3 * s + 2]! - gh.lo[2]) / gh.binSize);
    key[s] = (b0 * gh.nb[1] + b1) * gh.nb[2] + b2;
  }
  return Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => key[a]! - key[b]! || a - b);
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

/**
 * Visit the reciprocal vectors G = h·B (B rows = 2π C^{-T}) of the half space with 0 < |G| < k_c, giving
 * cos(G·r_j) and sin(G·r_j) for every atom j. The phases come from per-atom tables of e^{i h b_d·r_j}
 * (d = 0..2, |h| ≤ h_max,d, each entry from one cos/sin call), multiplied together: three complex products per
 * atom and G instead of two transcendental calls.
 */
function forEachHalfSpaceK(
  cell: ArrayLike<number>,
  kc: number,
  positions: ArrayLike<number>,
  n: number,
  visit: (gx: number, gy: number, gz: number, g2: number, cs: Float64Array, sn: Float64Array) => void,
): void {
  const inv = inv3(cell);
  // B = 2π (C^{-1})^T: row i of B is column i of C^{-1}
  const B = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) B[3 * i + j] = 2 * Math.PI * inv[3 * j + i]!;
  // h_d = G·a_d / 2π, so |h_d| ≤ k_c |a_d| / 2π
  const hmax = [0, 1, 2].map((d) =>
    Math.floor((kc * Math.hypot(cell[3 * d]!, cell[3 * d + 1]!, cell[3 * d + 2]!)) / (2 * Math.PI)),
  ) as [number, number, number];
  // tables T_d[(h + hmax_d) * n + j] = e^{i h b_d·r_j}
  const tc: Float64Array[] = [];
  const ts: Float64Array[] = [];
  for (let d = 0; d < 3; d++) {
    const H = hmax[d]!;
    const c = new Float64Array((2 * H + 1) * n);
    const sn = new Float64Array((2 * H + 1) * n);
    for (let j = 0; j < n; j++) {
      const ph =
        B[3 * d]! * positions[3 * j]! +
        B[3 * d + 1]! * positions[3 * j + 1]! +
        B[3 * d + 2]! * positions[3 * j + 2]!;
      for (let h = -H; h <= H; h++) {
        c[(h + H) * n + j] = Math.cos(h * ph);
        sn[(h + H) * n + j] = Math.sin(h * ph);
      }
    }
    tc.push(c);
    ts.push(sn);
  }
  const [c0, c1, c2] = tc as [Float64Array, Float64Array, Float64Array];
  const [s0, s1, s2] = ts as [Float64Array, Float64Array, Float64Array];
  const [H0, H1, H2] = hmax;
  const pc = new Float64Array(n);
  const ps = new Float64Array(n);
  const cs = new Float64Array(n);
  const sn = new Float64Array(n);
  const kc2 = kc * kc;
  for (let h0 = 0; h0 <= H0; h0++) {
    for (let h1 = -H1; h1 <= H1; h1++) {
      if (h0 === 0 && h1 < 0) continue;
      // skip the whole h2 row if no G of it is inside the sphere: |G|² ≥ distance² to the h2 line
      const ax = h0 * B[0]! + h1 * B[3]!;
      const ay = h0 * B[1]! + h1 * B[4]!;
      const az = h0 * B[2]! + h1 * B[5]!;
      const b2 = B[6]! * B[6]! + B[7]! * B[7]! + B[8]! * B[8]!;
      const ab = ax * B[6]! + ay * B[7]! + az * B[8]!;
      if (ax * ax + ay * ay + az * az - (ab * ab) / b2 >= kc2) continue;
      const o0 = (h0 + H0) * n;
      const o1 = (h1 + H1) * n;
      for (let j = 0; j < n; j++) {
        const ar = c0[o0 + j]!;
        const ai = s0[o0 + j]!;
        const br = c1[o1 + j]!;
        const bi = s1[o1 + j]!;
        pc[j] = ar * br - ai * bi;
        ps[j] = ar * bi + ai * br;
      }
      for (let h2 = -H2; h2 <= H2; h2++) {
        // half space: h0 > 0, or h0 = 0 and h1 > 0, or h0 = h1 = 0 and h2 > 0
        if (h0 === 0 && h1 === 0 && h2 <= 0) continue;
        const gx = ax + h2 * B[6]!;
        const gy = ay + h2 * B[7]!;
        const gz = az + h2 * B[8]!;
        const g2 = gx * gx + gy * gy + gz * gz;
        if (g2 >= kc2) continue;
        const o2 = (h2 + H2) * n;
        for (let j = 0; j < n; j++) {
          const ar = pc[j]!;
          const ai = ps[j]!;
          const br = c2[o2 + j]!;
          const bi = s2[o2 + j]!;
          cs[j] = ar * br - ai * bi;
          sn[j] = ar * bi + ai * br;
        }
        visit(gx, gy, gz, g2, cs, sn);
      }
    }
  }
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
    // erfc(ar) = erfcx(ar)·exp(−ar²): reuse the exponential (relative error ~ar²·ε ≈ 4e-15 at ar = s)
    const ec = ar < 0.5 ? erfc(ar) : erfcxLarge(ar) * e;
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
  for (const s of spatialOrder(gh, n)) {
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
  forEachHalfSpaceK(cell, kc, positions, n, (gx, gy, gz, g2, cs, sn) => {
    // factor 2: G and −G
    const pref = (((8 * Math.PI) / vol) * Math.exp(-g2 / (4 * a2))) / g2;
    let sc = 0;
    let ss = 0;
    for (let j = 0; j < n; j++) {
      const q = charges[j]!;
      sc += q * cs[j]!;
      ss += q * sn[j]!;
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
  });
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
  for (const s of spatialOrder(gh, n)) {
    acc = 0;
    forNeighbours(gh, w[3 * s]!, w[3 * s + 1]!, w[3 * s + 2]!, rc, visit);
    out[s] = acc - ((2 * alpha) / SQRT_PI) * charges[s]! - (Math.PI / (alpha * alpha * vol)) * qtot;
  }
  forEachHalfSpaceK(cell, kc, positions, n, (_gx, _gy, _gz, g2, cs, sn) => {
    const pref = (((8 * Math.PI) / vol) * Math.exp(-g2 / (4 * alpha * alpha))) / g2;
    let sc = 0;
    let ss = 0;
    for (let j = 0; j < n; j++) {
      sc += charges[j]! * cs[j]!;
      ss += charges[j]! * sn[j]!;
    }
    for (let s = 0; s < n; s++) out[s]! += pref * (cs[s]! * sc + sn[s]! * ss);
  });
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
  for (const k of spatialOrder(gh, m)) {
    row = k * m;
    forNeighbours(gh, w[3 * k]!, w[3 * k + 1]!, w[3 * k + 2]!, rc, visit);
    for (let l = 0; l < m; l++) J[row + l]! -= bg;
    J[row + k]! -= (2 * alpha) / SQRT_PI;
  }
  // J_rec = Σ_G A_G (c cᵀ + s sᵀ), accumulated in the upper triangle
  forEachHalfSpaceK(cell, kc, sub, m, (_gx, _gy, _gz, g2, cs, sn) => {
    const pref = (((8 * Math.PI) / vol) * Math.exp(-g2 / (4 * alpha * alpha))) / g2;
    for (let a = 0; a < m; a++) {
      const ca = pref * cs[a]!;
      const sa = pref * sn[a]!;
      const r = a * m;
      for (let b = a; b < m; b++) J[r + b]! += ca * cs[b]! + sa * sn[b]!;
    }
  });
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
    const top =
      (((0.18577770618460315 * t + 3.1611237438705655) * t + 113.86415415105016) * t + 377.485237685302) * t +
      3209.3775891384694;
    const bot =
      (((t + 23.601290952344122) * t + 244.02463793444417) * t + 1282.6165260773723) * t + 2844.236833439171;
    return 1 - (x * top) / bot;
  }
  r = erfcxLarge(ax);
  // exp(−x²) computed as exp(−xs²)·exp(−(x−xs)(x+xs)) with xs = x rounded to 1/16 to limit cancellation
  const xs = Math.trunc(ax * 16) / 16;
  r *= Math.exp(-xs * xs) * Math.exp(-(ax - xs) * (ax + xs));
  return x < 0 ? 2 - r : r;
}

/** Scaled complementary error function erfc(x)·exp(x²) for x ≥ 0.5 (Cody's rational approximations). */
function erfcxLarge(ax: number): number {
  let r: number;
  if (ax < 4) {
    const top =
      (((((((2.1531153547440383e-8 * ax + 0.5641884969886701) * ax + 8.883149794388377) * ax +
        66.11919063714163) *
        ax +
        298.6351381974001) *
        ax +
        881.952221241769) *
        ax +
        1712.0476126340707) *
        ax +
        2051.0783778260716) *
        ax +
      1230.3393547979972;
    const bot =
      (((((((ax + 15.744926110709835) * ax + 117.6939508913125) * ax + 537.1811018620099) * ax +
        1621.3895745666903) *
        ax +
        3290.7992357334597) *
        ax +
        4362.619090143247) *
        ax +
        3439.3676741437216) *
        ax +
      1230.3393548037495;
    r = top / bot;
  } else {
    const z = 1 / (ax * ax);
    const top =
      ((((0.016315387137302097 * z + 0.30532663496123236) * z + 0.36034489994980445) * z +
        0.12578172611122926) *
        z +
        0.016083785148742275) *
        z +
      0.0006587491615298378;
    const bot =
      ((((z + 2.568520192289822) * z + 1.8729528499234673) * z + 0.5279051029514285) * z +
        0.06051834131244132) *
        z +
      0.0023352049762686918;
    r = (1 / SQRT_PI - (z * top) / bot) / ax;
  }
  return r;
}

/**
 * Point-charge EFG (a.u.) of a fully periodic Structure, with charges given per atom or per element symbol
 * (e.g. `{ Li: 1, Ti: 4, O: -2 }`).
 */
export function pointChargeEfg(
  structure: Structure,
  charges: ArrayLike<number> | Readonly<Record<string, number>>,
  options: EwaldOptions = {},
): Float64Array {
  if (!structure.cell || !structure.pbc.every((p) => p)) {
    throw new EngineError(
      "InvalidParameter",
      "the Ewald EFG needs a structure periodic in all three directions",
      {
        field: "pbc",
      },
    );
  }
  let q: ArrayLike<number>;
  if (typeof (charges as ArrayLike<number>).length === "number") {
    q = charges as ArrayLike<number>;
  } else {
    const table = charges as Readonly<Record<string, number>>;
    q = structure.symbols().map((s) => {
      const v = table[s];
      if (v === undefined)
        throw new EngineError("InvalidParameter", `no charge given for ${s}`, { field: "charges" });
      return v;
    });
  }
  return ewaldEfg(structure.cell, structure.positions, q, options);
}
