import { expect } from "vitest";

/** max |a − b| / max |b| (arrays of equal length, asserted). */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / s;
}

/** X Xᵀ/k + shift·I for X n×k standard normal (drawn from `rng`): SPD, condition number ~(1 + n/k)²/shift. */
export function spd(rng: { normal(): number }, n: number, k: number, shift: number): Float64Array {
  const x = new Float64Array(n * k).map(() => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += x[i * k + p]! * x[j * k + p]!;
      a[i * n + j] = s / k;
      a[j * n + i] = s / k;
    }
  for (let i = 0; i < n; i++) a[i * n + i] += shift;
  return a;
}
