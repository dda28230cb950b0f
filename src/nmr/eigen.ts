/**
 * Symmetric 3x3 eigen-decomposition by cyclic Jacobi rotations, and the orderings used in NMR.
 *
 * Jacobi is accurate to a few ulps relative to the largest eigenvalue, and (unlike the analytic cubic) has no
 * trouble with degenerate or nearly degenerate eigenvalues: for equal eigenvalues it returns some orthonormal
 * basis of the eigenspace. Eigenvectors are the COLUMNS of the row-major matrix `vecs`
 * (vecs[i*3+k] = component i of eigenvector k), so T = V diag(λ) Vᵀ.
 */

/** Eigenvalue orderings. 'nqr': |λ−iso| increasing (for a traceless EFG: |Vxx| ≤ |Vyy| ≤ |Vzz|);
 * 'haeberlen': |λzz−iso| ≥ |λxx−iso| ≥ |λyy−iso|, returned as (xx, yy, zz); 'increasing'; 'decreasing'. */
export type EigenOrder = "nqr" | "haeberlen" | "increasing" | "decreasing";

const MAX_SWEEPS = 50;

/**
 * Eigen-decomposition of the symmetric matrix at a[off..off+9) (only the upper triangle is read).
 * Writes unsorted eigenvalues to vals[valsOff..+3) and eigenvectors (columns) to vecs[vecsOff..+9).
 */
// long: Jacobi sweeps unrolled on scalar locals for 3×3, a hot loop kept in one piece for speed
export function eigSym3(
  a: ArrayLike<number>,
  off: number,
  vals: Float64Array,
  vecs: Float64Array,
  valsOff = 0,
  vecsOff = 0,
): void {
  let a00 = a[off]!;
  let a11 = a[off + 4]!;
  let a22 = a[off + 8]!;
  let a01 = a[off + 1]!;
  let a02 = a[off + 2]!;
  let a12 = a[off + 5]!;
  // V = identity
  let v00 = 1;
  let v01 = 0;
  let v02 = 0;
  let v10 = 0;
  let v11 = 1;
  let v12 = 0;
  let v20 = 0;
  let v21 = 0;
  let v22 = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    const off2 = a01 * a01 + a02 * a02 + a12 * a12;
    const diag2 = a00 * a00 + a11 * a11 + a22 * a22;
    if (off2 === 0 || off2 <= 1e-36 * diag2) break;
    // (p,q) = (0,1)
    if (a01 !== 0) {
      const theta = (a11 - a00) / (2 * a01);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      a00 -= t * a01;
      a11 += t * a01;
      a01 = 0;
      const g = a02;
      const h = a12;
      a02 = c * g - s * h;
      a12 = s * g + c * h;
      let x = v00;
      let y = v01;
      v00 = c * x - s * y;
      v01 = s * x + c * y;
      x = v10;
      y = v11;
      v10 = c * x - s * y;
      v11 = s * x + c * y;
      x = v20;
      y = v21;
      v20 = c * x - s * y;
      v21 = s * x + c * y;
    }
    // (p,q) = (0,2)
    if (a02 !== 0) {
      const theta = (a22 - a00) / (2 * a02);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      a00 -= t * a02;
      a22 += t * a02;
      a02 = 0;
      const g = a01;
      const h = a12; // a21
      a01 = c * g - s * h;
      a12 = s * g + c * h;
      let x = v00;
      let y = v02;
      v00 = c * x - s * y;
      v02 = s * x + c * y;
      x = v10;
      y = v12;
      v10 = c * x - s * y;
      v12 = s * x + c * y;
      x = v20;
      y = v22;
      v20 = c * x - s * y;
      v22 = s * x + c * y;
    }
    // (p,q) = (1,2)
    if (a12 !== 0) {
      const theta = (a22 - a11) / (2 * a12);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      a11 -= t * a12;
      a22 += t * a12;
      a12 = 0;
      const g = a01; // a10
      const h = a02; // a20
      a01 = c * g - s * h;
      a02 = s * g + c * h;
      let x = v01;
      let y = v02;
      v01 = c * x - s * y;
      v02 = s * x + c * y;
      x = v11;
      y = v12;
      v11 = c * x - s * y;
      v12 = s * x + c * y;
      x = v21;
      y = v22;
      v21 = c * x - s * y;
      v22 = s * x + c * y;
    }
  }
  vals[valsOff] = a00;
  vals[valsOff + 1] = a11;
  vals[valsOff + 2] = a22;
  vecs[vecsOff] = v00;
  vecs[vecsOff + 1] = v01;
  vecs[vecsOff + 2] = v02;
  vecs[vecsOff + 3] = v10;
  vecs[vecsOff + 4] = v11;
  vecs[vecsOff + 5] = v12;
  vecs[vecsOff + 6] = v20;
  vecs[vecsOff + 7] = v21;
  vecs[vecsOff + 8] = v22;
}

/**
 * Permutation (three indices into the unsorted eigenvalues) for the given ordering. Ties keep the original
 * index order (stable), so the result is deterministic.
 */
export function eigenOrder(
  vals: ArrayLike<number>,
  order: EigenOrder,
  valsOff = 0,
): [number, number, number] {
  const l0 = vals[valsOff]!;
  const l1 = vals[valsOff + 1]!;
  const l2 = vals[valsOff + 2]!;
  const iso = (l0 + l1 + l2) / 3;
  let k0: number;
  let k1: number;
  let k2: number;
  if (order === "increasing" || order === "decreasing") {
    k0 = order === "increasing" ? l0 : -l0;
    k1 = order === "increasing" ? l1 : -l1;
    k2 = order === "increasing" ? l2 : -l2;
  } else {
    k0 = Math.abs(l0 - iso);
    k1 = Math.abs(l1 - iso);
    k2 = Math.abs(l2 - iso);
  }
  const idx: [number, number, number] = [0, 1, 2];
  const key = [k0, k1, k2];
  // stable 3-element insertion sort, ascending key
  for (let i = 1; i < 3; i++) {
    const v = idx[i]!;
    let j = i - 1;
    while (j >= 0 && key[idx[j]!]! > key[v]!) {
      idx[j + 1] = idx[j]!;
      j--;
    }
    idx[j + 1] = v;
  }
  if (order === "haeberlen") {
    // ascending deviation (small, mid, large) -> Haeberlen (xx, yy, zz) = (mid, small, large)
    const t = idx[0];
    idx[0] = idx[1];
    idx[1] = t;
  }
  return idx;
}

/**
 * Principal frame of the symmetric part of the tensor at t[off..off+9): eigenvalues in the requested order to
 * vals[valsOff..+3), eigenvectors as columns of vecs[vecsOff..+9) in the same order, made right-handed by
 * setting e3 = e1 × e2 (so det V = +1 and V is a proper rotation taking the PAS axes to the lab frame).
 */
export function principalFrame(
  t: ArrayLike<number>,
  off: number,
  order: EigenOrder,
  vals: Float64Array,
  vecs: Float64Array,
  valsOff = 0,
  vecsOff = 0,
): void {
  const s = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) s[i * 3 + j] = 0.5 * (t[off + i * 3 + j]! + t[off + j * 3 + i]!);
  }
  const w = new Float64Array(3);
  const v = new Float64Array(9);
  eigSym3(s, 0, w, v);
  const p = eigenOrder(w, order);
  for (let k = 0; k < 3; k++) {
    const src = p[k]!;
    vals[valsOff + k] = w[src]!;
    for (let i = 0; i < 3; i++) vecs[vecsOff + i * 3 + k] = v[i * 3 + src]!;
  }
  // e3 = e1 × e2
  const o = vecsOff;
  const x1 = vecs[o]!;
  const y1 = vecs[o + 3]!;
  const z1 = vecs[o + 6]!;
  const x2 = vecs[o + 1]!;
  const y2 = vecs[o + 4]!;
  const z2 = vecs[o + 7]!;
  vecs[o + 2] = y1 * z2 - z1 * y2;
  vecs[o + 5] = z1 * x2 - x1 * z2;
  vecs[o + 8] = x1 * y2 - y1 * x2;
}
