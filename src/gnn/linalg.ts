/** Small dense linear algebra for setup-time work (CG tables, Wigner D); not for hot loops. */

/** Solves A x = b in place (A n×n row-major is destroyed, b becomes x), Gaussian elimination, partial pivoting. */
export function solveInPlace(a: Float64Array, b: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j]!;
        a[k * n + j] = a[p * n + j]!;
        a[p * n + j] = t;
      }
      const t = b[k]!;
      b[k] = b[p]!;
      b[p] = t;
    }
    const piv = a[k * n + k]! === 0 ? 1e-300 : a[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k]! / piv;
      if (f === 0) continue;
      for (let j = k; j < n; j++) a[i * n + j]! -= f * a[k * n + j]!;
      b[i]! -= f * b[k]!;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = b[k]!;
    for (let j = k + 1; j < n; j++) s -= a[k * n + j]! * b[j]!;
    const piv = a[k * n + k]! === 0 ? 1e-300 : a[k * n + k]!;
    b[k] = s / piv;
  }
}
