/**
 * Spinel Li4Ti5O12 (space group Fd-3m, origin choice 2): 8a Li, 16d Li1/6 Ti5/6, 32e O.
 *
 * Lattice constant and oxygen parameter: a = 8.3595 Å, x(O, 32e) = 0.2625 (origin choice 2), the values of the
 * project reference `shared/data/lto/lto42_ideal_configs_pointcharge.json`; consistent with the a ≈ 8.36 Å of
 * Li[Li1/3Ti5/3]O4 reported by Ohzuku, Ueda & Yamamoto, J. Electrochem. Soc. 142 (1995) 1431.
 *
 * Also: the 42-atom hexagonal R-3m cell Li8Ti10O24 and a numerical space-group finder for periodic cells.
 */
import { EngineError } from "../core/errors.js";
import { det3 } from "../core/structure.js";

export const LTO_A = 8.3595;
export const LTO_OXYGEN_X = 0.2625;

export type SpinelSite = "8a" | "16d" | "32e";

export interface SpinelHost {
  /** Lattice vectors as rows (Å). */
  cell: Float64Array;
  /** Fractional coordinates in [0,1), n×3. */
  frac: Float64Array;
  /** Cartesian positions (Å), n×3. */
  positions: Float64Array;
  /** Wyckoff site of each atom (ordered: all 8a, then 16d, then 32e). */
  sites: SpinelSite[];
}

const F_CENTRING = [
  [0, 0, 0],
  [0, 0.5, 0.5],
  [0.5, 0, 0.5],
  [0.5, 0.5, 0],
];

function wrap01(f: number): number {
  let g = f - Math.floor(f);
  if (g > 1 - 1e-9) g = 0; // fold 0.9999999999 onto 0 so that equal sites compare equal
  return g;
}

/** The 56-atom conventional cubic cell (8 + 16 + 32 sites), Fd-3m origin choice 2 (ITA). */
export function spinelConventional(a = LTO_A, x = LTO_OXYGEN_X): SpinelHost {
  const orbit8a = [
    [1 / 8, 1 / 8, 1 / 8],
    [7 / 8, 3 / 8, 3 / 8],
  ];
  const orbit16d = [
    [1 / 2, 1 / 2, 1 / 2],
    [1 / 4, 3 / 4, 0],
    [3 / 4, 0, 1 / 4],
    [0, 1 / 4, 3 / 4],
  ];
  const orbit32e = [
    [x, x, x],
    [-x + 3 / 4, -x + 1 / 4, x + 1 / 2],
    [-x + 1 / 4, x + 1 / 2, -x + 3 / 4],
    [x + 1 / 2, -x + 3 / 4, -x + 1 / 4],
    [x + 3 / 4, x + 1 / 4, -x + 1 / 2],
    [-x, -x, -x],
    [x + 1 / 4, -x + 1 / 2, x + 3 / 4],
    [-x + 1 / 2, x + 3 / 4, x + 1 / 4],
  ];
  const frac: number[] = [];
  const sites: SpinelSite[] = [];
  const add = (orbit: number[][], label: SpinelSite): void => {
    for (const t of F_CENTRING) {
      for (const p of orbit) {
        frac.push(wrap01(p[0]! + t[0]!), wrap01(p[1]! + t[1]!), wrap01(p[2]! + t[2]!));
        sites.push(label);
      }
    }
  };
  add(orbit8a, "8a");
  add(orbit16d, "16d");
  add(orbit32e, "32e");
  const cell = Float64Array.of(a, 0, 0, 0, a, 0, 0, 0, a);
  const f = Float64Array.from(frac);
  return { cell, frac: f, positions: fracToCart(cell, f), sites };
}

export function fracToCart(cell: ArrayLike<number>, frac: ArrayLike<number>): Float64Array {
  const n = frac.length / 3;
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      out[3 * i + c] =
        frac[3 * i]! * cell[c]! + frac[3 * i + 1]! * cell[3 + c]! + frac[3 * i + 2]! * cell[6 + c]!;
    }
  }
  return out;
}

/**
 * Re-express a periodic host in a supercell / subcell whose lattice rows are `rows` (in fractional units of
 * the host cell). Keeps every site whose coordinates in the new basis lie in [0,1) (sites that coincide after
 * wrapping are kept once). The atom order is 8a, 16d, 32e, each sorted by (z, y, x) fractional coordinate.
 */
export function reexpress(host: SpinelHost, rows: readonly (readonly number[])[]): SpinelHost {
  const M = Float64Array.from(rows.flat());
  const detM = det3(M);
  if (Math.abs(detM) < 1e-9) throw new EngineError("InvalidParameter", "singular cell transformation");
  const cell = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let c = 0; c < 3; c++) {
      cell[3 * i + c] =
        M[3 * i]! * host.cell[c]! + M[3 * i + 1]! * host.cell[3 + c]! + M[3 * i + 2]! * host.cell[6 + c]!;
    }
  }
  const inv = inv3(M);
  const nHost = host.sites.length;
  // enumerate host translations covering the new cell
  let lo = 0;
  let hi = 0;
  for (const r of rows)
    for (const v of r) {
      lo = Math.min(lo, Math.floor(v));
      hi = Math.max(hi, Math.ceil(v));
    }
  const span = 3 * (hi - lo + 1);
  const found: { f: [number, number, number]; site: SpinelSite }[] = [];
  const seen = new Set<string>();
  for (let t0 = -span; t0 <= span; t0++) {
    for (let t1 = -span; t1 <= span; t1++) {
      for (let t2 = -span; t2 <= span; t2++) {
        for (let k = 0; k < nHost; k++) {
          const h0 = host.frac[3 * k]! + t0;
          const h1 = host.frac[3 * k + 1]! + t1;
          const h2 = host.frac[3 * k + 2]! + t2;
          // new fractional = h · M^{-1}
          const f: [number, number, number] = [0, 0, 0];
          let inside = true;
          for (let c = 0; c < 3; c++) {
            const v = h0 * inv[c]! + h1 * inv[3 + c]! + h2 * inv[6 + c]!;
            const r = Math.round(v * 1e9) / 1e9;
            if (r < 0 || r >= 1) inside = false;
            f[c] = r;
          }
          if (!inside) continue;
          const key = f.map((v) => v.toFixed(7)).join(",");
          if (seen.has(key)) continue;
          seen.add(key);
          found.push({ f, site: host.sites[k]! });
        }
      }
    }
  }
  const expected = Math.round(nHost * Math.abs(detM));
  if (found.length !== expected) {
    throw new EngineError(
      "Internal",
      `cell transformation found ${found.length} sites, expected ${expected}`,
    );
  }
  const order: Record<SpinelSite, number> = { "8a": 0, "16d": 1, "32e": 2 };
  found.sort(
    (p, q) => order[p.site] - order[q.site] || p.f[2] - q.f[2] || p.f[1] - q.f[1] || p.f[0] - q.f[0],
  );
  const frac = Float64Array.from(found.flatMap((p) => p.f));
  return { cell, frac, positions: fracToCart(cell, frac), sites: found.map((p) => p.site) };
}

/** Lattice rows of the 42-atom hexagonal R-3m cell in units of the cubic cell: a/2(−1,1,0), a/2(0,−1,1), a(1,1,1). */
export const HEX42_ROWS: readonly (readonly number[])[] = [
  [-0.5, 0.5, 0],
  [0, -0.5, 0.5],
  [1, 1, 1],
];

/** The 42-site host of Li8Ti10O24 (6 × 8a, 12 × 16d, 24 × 32e), hexagonal setting of R-3m. */
export function lto42Host(a = LTO_A, x = LTO_OXYGEN_X): SpinelHost {
  return reexpress(spinelConventional(a, x), HEX42_ROWS);
}

/** The n×n×n supercell of the conventional cell (n = 3: 1512 sites). */
export function spinelSupercell(n: number, a = LTO_A, x = LTO_OXYGEN_X): SpinelHost {
  return reexpress(spinelConventional(a, x), [
    [n, 0, 0],
    [0, n, 0],
    [0, 0, n],
  ]);
}

export function inv3(m: ArrayLike<number>): Float64Array {
  const d = det3(m);
  return Float64Array.of(
    (m[4]! * m[8]! - m[5]! * m[7]!) / d,
    (m[2]! * m[7]! - m[1]! * m[8]!) / d,
    (m[1]! * m[5]! - m[2]! * m[4]!) / d,
    (m[5]! * m[6]! - m[3]! * m[8]!) / d,
    (m[0]! * m[8]! - m[2]! * m[6]!) / d,
    (m[2]! * m[3]! - m[0]! * m[5]!) / d,
    (m[3]! * m[7]! - m[4]! * m[6]!) / d,
    (m[1]! * m[6]! - m[0]! * m[7]!) / d,
    (m[0]! * m[4]! - m[1]! * m[3]!) / d,
  );
}

/** A space-group operation in fractional coordinates: x' = W x + t (W integer, row-major). */
export interface SymOp {
  rot: Int32Array;
  trans: Float64Array;
  /** perm[i] = index of the atom that atom i is mapped onto. */
  perm: Int32Array;
}

/**
 * All space-group operations of a periodic structure (modulo lattice translations), found numerically:
 * integer matrices W with |W_ij| ≤ 1 that preserve the metric (lattice point group), combined with the
 * translations that map atom 0 onto each atom of the same type, kept when every atom lands on an atom of
 * the same type within `tol` (fractional). `types` are arbitrary labels (species or Wyckoff site).
 */
export function findSymmetryOps(
  cell: ArrayLike<number>,
  frac: ArrayLike<number>,
  types: readonly (string | number)[],
  tol = 1e-5,
): SymOp[] {
  const n = types.length;
  if (frac.length !== 3 * n) throw new EngineError("ShapeMismatch", "frac must have 3 values per atom");
  // metric G = C Cᵀ
  const G = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      G[3 * i + j] =
        cell[3 * i]! * cell[3 * j]! +
        cell[3 * i + 1]! * cell[3 * j + 1]! +
        cell[3 * i + 2]! * cell[3 * j + 2]!;
    }
  }
  const gscale = Math.max(G[0]!, G[4]!, G[8]!);
  const rots: Int32Array[] = [];
  const W = new Int32Array(9);
  for (let code = 0; code < 19683; code++) {
    let c = code;
    for (let k = 0; k < 9; k++) {
      W[k] = (c % 3) - 1;
      c = Math.floor(c / 3);
    }
    const d = det3(W);
    if (d !== 1 && d !== -1) continue;
    // fractional x' = W x  ⇒ lattice preserved iff Wᵀ G W = G
    let ok = true;
    for (let i = 0; i < 3 && ok; i++) {
      for (let j = 0; j < 3 && ok; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++)
          for (let l = 0; l < 3; l++) s += W[3 * k + i]! * G[3 * k + l]! * W[3 * l + j]!;
        if (Math.abs(s - G[3 * i + j]!) > 1e-6 * gscale) ok = false;
      }
    }
    if (ok) rots.push(W.slice());
  }
  const ops: SymOp[] = [];
  const img = new Float64Array(3 * n);
  const near = (a: number): number => Math.abs(a - Math.round(a));
  for (const R of rots) {
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < 3; r++) {
        img[3 * i + r] =
          R[3 * r]! * frac[3 * i]! + R[3 * r + 1]! * frac[3 * i + 1]! + R[3 * r + 2]! * frac[3 * i + 2]!;
      }
    }
    for (let target = 0; target < n; target++) {
      if (types[target] !== types[0]) continue;
      const t = Float64Array.of(
        frac[3 * target]! - img[0]!,
        frac[3 * target + 1]! - img[1]!,
        frac[3 * target + 2]! - img[2]!,
      );
      for (let c = 0; c < 3; c++) t[c] = wrap01(t[c]!);
      const perm = new Int32Array(n).fill(-1);
      let ok = true;
      for (let i = 0; i < n && ok; i++) {
        let hit = -1;
        for (let j = 0; j < n; j++) {
          if (types[j] !== types[i]) continue;
          if (
            near(img[3 * i]! + t[0]! - frac[3 * j]!) < tol &&
            near(img[3 * i + 1]! + t[1]! - frac[3 * j + 1]!) < tol &&
            near(img[3 * i + 2]! + t[2]! - frac[3 * j + 2]!) < tol
          ) {
            hit = j;
            break;
          }
        }
        if (hit < 0) ok = false;
        else perm[i] = hit;
      }
      if (ok) ops.push({ rot: R.slice(), trans: t, perm });
    }
  }
  return ops;
}

/** An orbit of Li placements on the 16d sites under the cell's space group. */
export interface OrderingClass {
  /** 1-based id, in order of first appearance in the lexicographic enumeration of placements. */
  id: number;
  /** Placements in the orbit, each a sorted list of indices into the 16d site list. */
  members: number[][];
  /** Number of operations that map the first member onto itself (|G| / orbit size). */
  stabiliser: number;
}

/**
 * Enumerate the C(m, k) placements of k Li on the m 16d sites (given as atom indices) and split them into
 * orbits under the symmetry operations `ops` (with atom permutations).
 */
export function orderingClasses(
  sites16d: readonly number[],
  k: number,
  ops: readonly SymOp[],
): OrderingClass[] {
  const m = sites16d.length;
  const pos = new Map<number, number>();
  sites16d.forEach((a, i) => {
    pos.set(a, i);
  });
  const combos: number[][] = [];
  const rec = (start: number, cur: number[]): void => {
    if (cur.length === k) {
      combos.push([...cur]);
      return;
    }
    for (let i = start; i < m; i++) rec(i + 1, [...cur, i]);
  };
  rec(0, []);
  const key = (c: readonly number[]): string => c.join(",");
  const classOf = new Map<string, number>();
  const classes: OrderingClass[] = [];
  for (const c of combos) {
    if (classOf.has(key(c))) continue;
    const id = classes.length + 1;
    const members = new Map<string, number[]>();
    let stab = 0;
    for (const op of ops) {
      const img = c
        .map((i) => {
          const j = pos.get(op.perm[sites16d[i]!]!);
          if (j === undefined)
            throw new EngineError("Internal", "symmetry operation does not preserve the 16d sites");
          return j;
        })
        .sort((x, y) => x - y);
      if (key(img) === key(c)) stab++;
      members.set(key(img), img);
    }
    const list = [...members.values()].sort((x, y) => {
      for (let i = 0; i < k; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return 0;
    });
    for (const mm of list) classOf.set(key(mm), id);
    classes.push({ id, members: list, stabiliser: stab });
  }
  return classes;
}
