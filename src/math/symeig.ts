/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations (robust, accurate to round-off;
 * meant for n ≲ 50, e.g. radial-basis overlap matrices). a is n×n row-major and is not modified.
 * Returns eigenvalues (unsorted) and eigenvectors as columns of vectors (row-major n×n).
 */
export function jacobiEigh(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(a.subarray(0, n * n));
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i]! * A[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += A[i * n + j]! * A[i * n + j]!;
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const app = A[p * n + p]!;
        const aqq = A[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!;
          const akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!;
          const aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!;
          const vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i]!;
  return { values, vectors: V };
}

/** S^(−1/2) of a symmetric positive-definite matrix (Löwdin orthonormalisation matrix). */
export function inverseSqrtSym(s: Float64Array, n: number): Float64Array {
  const { values, vectors } = jacobiEigh(s, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const ev = values[k]!;
    if (!(ev > 0)) throw new RangeError(`inverseSqrtSym: matrix not positive definite (eigenvalue ${ev})`);
    const w = 1 / Math.sqrt(ev);
    for (let i = 0; i < n; i++) {
      const vi = vectors[i * n + k]! * w;
      for (let j = 0; j < n; j++) out[i * n + j]! += vi * vectors[j * n + k]!;
    }
  }
  return out;
}
