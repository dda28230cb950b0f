import { EngineError } from "./errors.js";
import type { Structure } from "./structure.js";

/**
 * Periodic neighbour list in CSR form: the neighbours of centre i are entries offsets[i]..offsets[i+1]-1.
 * vectors hold r_j + shift − r_i (Å); every periodic image within the cutoff is listed (cutoffs larger than
 * the cell included), the centre itself (zero shift) never is.
 */
export interface NeighborList {
  readonly cutoff: number;
  readonly offsets: Int32Array;
  readonly neighbors: Int32Array;
  readonly vectors: Float64Array;
  readonly distances: Float64Array;
}

export interface NeighborOptions {
  /** Only build lists for these centre atoms (indices); default all. offsets still has length n+1. */
  centers?: readonly number[];
}

/**
 * Linear-scaling cell-list neighbour search.
 *
 * Periodic images: along each periodic lattice direction k the number of image layers is
 * ceil(rc / h_k), with h_k = V / |a_i × a_j| the perpendicular width of the cell, so skewed cells and cutoffs
 * larger than the cell are exact. Image atoms are kept only if their fractional coordinate lies within
 * rc / h_k of the (wrapped) unit cell; all points are then binned in a Cartesian grid of bin size ≥ rc and each
 * centre visits its 27 neighbouring bins. Cost O(N (1 + rc/h)³).
 */
// long: the cell-list search in one piece: image, bin and CSR arrays are built and consumed in place on a hot path
export function neighborList(
  structure: Structure,
  cutoff: number,
  options: NeighborOptions = {},
): NeighborList {
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) {
    throw new EngineError("InvalidParameter", `cutoff must be a positive finite number, got ${cutoff}`, {
      field: "cutoff",
    });
  }
  const n = structure.length;
  const pos = structure.positions;
  const cell = structure.cell;
  const pbc = structure.pbc;
  const rc2 = cutoff * cutoff;

  // Centre atoms (wrapped into the cell along periodic directions) and image points.
  const wrapped = new Float64Array(3 * n);
  let P = new Float64Array(0);
  let Pidx = new Int32Array(0);
  let Phome = new Uint8Array(0);
  let np = 0;
  const periodic = structure.isPeriodic && cell !== null;
  if (periodic) {
    const inv = inverse3(cell);
    // frac = r · inv (row vector times inverse of the row-lattice matrix)
    const frac = new Float64Array(3 * n);
    const nImg = [0, 0, 0];
    const margin = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      // |b_k| where b_k is column k of inv: the reciprocal vector; width h_k = 1/|b_k|
      const bx = inv[k]!;
      const by = inv[3 + k]!;
      const bz = inv[6 + k]!;
      const h = 1 / Math.hypot(bx, by, bz);
      if (pbc[k]) {
        nImg[k] = Math.ceil(cutoff / h);
        margin[k] = cutoff / h;
      }
    }
    for (let i = 0; i < n; i++) {
      const x = pos[3 * i]!;
      const y = pos[3 * i + 1]!;
      const z = pos[3 * i + 2]!;
      for (let k = 0; k < 3; k++) {
        let f = x * inv[k]! + y * inv[3 + k]! + z * inv[6 + k]!;
        if (pbc[k]) f -= Math.floor(f);
        frac[3 * i + k] = f;
      }
      for (let d = 0; d < 3; d++) {
        wrapped[3 * i + d] =
          frac[3 * i]! * cell[d]! + frac[3 * i + 1]! * cell[3 + d]! + frac[3 * i + 2]! * cell[6 + d]!;
      }
    }
    const n0 = nImg[0]!;
    const n1 = nImg[1]!;
    const n2 = nImg[2]!;
    const cap = n * (2 * n0 + 1) * (2 * n1 + 1) * (2 * n2 + 1);
    P = new Float64Array(3 * cap);
    Pidx = new Int32Array(cap);
    Phome = new Uint8Array(cap);
    const lo = [-margin[0]!, -margin[1]!, -margin[2]!];
    const hi = [1 + margin[0]!, 1 + margin[1]!, 1 + margin[2]!];
    for (let i = 0; i < n; i++) {
      const f0 = frac[3 * i]!;
      const f1 = frac[3 * i + 1]!;
      const f2 = frac[3 * i + 2]!;
      for (let s0 = -n0; s0 <= n0; s0++) {
        const g0 = f0 + s0;
        if (pbc[0] && (g0 < lo[0]! || g0 > hi[0]!)) continue;
        for (let s1 = -n1; s1 <= n1; s1++) {
          const g1 = f1 + s1;
          if (pbc[1] && (g1 < lo[1]! || g1 > hi[1]!)) continue;
          for (let s2 = -n2; s2 <= n2; s2++) {
            const g2 = f2 + s2;
            if (pbc[2] && (g2 < lo[2]! || g2 > hi[2]!)) continue;
            for (let d = 0; d < 3; d++) {
              P[3 * np + d] = wrapped[3 * i + d]! + s0 * cell[d]! + s1 * cell[3 + d]! + s2 * cell[6 + d]!;
            }
            Pidx[np] = i;
            Phome[np] = s0 === 0 && s1 === 0 && s2 === 0 ? 1 : 0;
            np++;
          }
        }
      }
    }
  } else {
    wrapped.set(pos);
    P = Float64Array.from(pos);
    Pidx = Int32Array.from({ length: n }, (_, i) => i);
    Phome = new Uint8Array(n).fill(1);
    np = n;
  }

  // Which centres
  let centerMask: Uint8Array | null = null;
  if (options.centers) {
    centerMask = new Uint8Array(n);
    for (const c of options.centers) {
      if (!Number.isInteger(c) || c < 0 || c >= n) {
        throw new EngineError("InvalidParameter", `centre index ${c} out of range 0..${n - 1}`, {
          field: "centers",
        });
      }
      centerMask[c] = 1;
    }
  }

  // Bounding box of points (centres lie inside it: every centre is its own home image).
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let minZ = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  let maxZ = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < np; p++) {
    const x = P[3 * p]!;
    const y = P[3 * p + 1]!;
    const z = P[3 * p + 2]!;
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (z < minZ) minZ = z;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
    if (z > maxZ) maxZ = z;
  }
  if (np === 0) {
    minX = minY = minZ = 0;
    maxX = maxY = maxZ = 0;
  }
  // Bin size ≥ cutoff, enlarged if the grid would have far more bins than points (sparse clusters).
  let bin = cutoff;
  const ext = [maxX - minX, maxY - minY, maxZ - minZ];
  const maxBins = Math.max(27, 4 * np);
  for (;;) {
    const nb = ext.reduce((acc, e) => acc * (Math.floor(e / bin) + 1), 1);
    if (nb <= maxBins) break;
    bin *= 1.5;
  }
  const nbx = Math.floor(ext[0]! / bin) + 1;
  const nby = Math.floor(ext[1]! / bin) + 1;
  const nbz = Math.floor(ext[2]! / bin) + 1;
  const nbins = nbx * nby * nbz;
  const binOf = new Int32Array(np);
  const binCount = new Int32Array(nbins + 1);
  for (let p = 0; p < np; p++) {
    const bx = Math.min(nbx - 1, Math.floor((P[3 * p]! - minX) / bin));
    const by = Math.min(nby - 1, Math.floor((P[3 * p + 1]! - minY) / bin));
    const bz = Math.min(nbz - 1, Math.floor((P[3 * p + 2]! - minZ) / bin));
    const b = (bx * nby + by) * nbz + bz;
    binOf[p] = b;
    binCount[b + 1]!++;
  }
  for (let b = 0; b < nbins; b++) binCount[b + 1]! += binCount[b]!;
  const binStart = binCount.slice();
  const binPts = new Int32Array(np);
  const fill = binCount.slice(0, nbins);
  for (let p = 0; p < np; p++) binPts[fill[binOf[p]!]!++] = p;

  // Home point of each atom (its position in the wrapped cell)
  const homePoint = new Int32Array(n).fill(-1);
  for (let p = 0; p < np; p++) if (Phome[p]) homePoint[Pidx[p]!] = p;

  const offsets = new Int32Array(n + 1);
  let cap = Math.max(16, n * 32);
  let nbr = new Int32Array(cap);
  let vec = new Float64Array(3 * cap);
  let dist = new Float64Array(cap);
  let count = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = count;
    if (centerMask && !centerMask[i]) continue;
    const hp = homePoint[i]!;
    const cx = wrapped[3 * i]!;
    const cy = wrapped[3 * i + 1]!;
    const cz = wrapped[3 * i + 2]!;
    const b = binOf[hp]!;
    const bz0 = b % nbz;
    const by0 = Math.floor(b / nbz) % nby;
    const bx0 = Math.floor(b / (nbz * nby));
    for (let bx = Math.max(0, bx0 - 1); bx <= Math.min(nbx - 1, bx0 + 1); bx++) {
      for (let by = Math.max(0, by0 - 1); by <= Math.min(nby - 1, by0 + 1); by++) {
        for (let bz = Math.max(0, bz0 - 1); bz <= Math.min(nbz - 1, bz0 + 1); bz++) {
          const bb = (bx * nby + by) * nbz + bz;
          for (let q = binStart[bb]!; q < binStart[bb + 1]!; q++) {
            const p = binPts[q]!;
            if (p === hp) continue;
            const dx = P[3 * p]! - cx;
            const dy = P[3 * p + 1]! - cy;
            const dz = P[3 * p + 2]! - cz;
            const d2 = dx * dx + dy * dy + dz * dz;
            if (d2 >= rc2) continue;
            if (count === cap) {
              cap *= 2;
              const nn = new Int32Array(cap);
              nn.set(nbr);
              nbr = nn;
              const nv = new Float64Array(3 * cap);
              nv.set(vec);
              vec = nv;
              const nd = new Float64Array(cap);
              nd.set(dist);
              dist = nd;
            }
            nbr[count] = Pidx[p]!;
            vec[3 * count] = dx;
            vec[3 * count + 1] = dy;
            vec[3 * count + 2] = dz;
            dist[count] = Math.sqrt(d2);
            count++;
          }
        }
      }
    }
  }
  offsets[n] = count;
  return {
    cutoff,
    offsets,
    neighbors: nbr.slice(0, count),
    vectors: vec.slice(0, 3 * count),
    distances: dist.slice(0, count),
  };
}

function inverse3(m: Float64Array): Float64Array {
  const a = m[0]!;
  const b = m[1]!;
  const c = m[2]!;
  const d = m[3]!;
  const e = m[4]!;
  const f = m[5]!;
  const g = m[6]!;
  const h = m[7]!;
  const k = m[8]!;
  const det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
  if (Math.abs(det) < 1e-12)
    throw new EngineError("InvalidParameter", "cell is singular", { field: "Lattice" });
  return Float64Array.of(
    (e * k - f * h) / det,
    (c * h - b * k) / det,
    (b * f - c * e) / det,
    (f * g - d * k) / det,
    (a * k - c * g) / det,
    (c * d - a * f) / det,
    (d * h - e * g) / det,
    (b * g - a * h) / det,
    (a * e - b * d) / det,
  );
}
