/**
 * Clebsch–Gordan coefficients: complex (Condon–Shortley, Racah's formula) and real (for the real spherical
 * harmonics of ylm.ts), the latter as sparse tables built once per (l1, l2, λ).
 */

const LOG_FACT: number[] = [0];
function logFact(n: number): number {
  while (LOG_FACT.length <= n) {
    const k = LOG_FACT.length;
    LOG_FACT.push(LOG_FACT[k - 1]! + Math.log(k));
  }
  return LOG_FACT[n]!;
}

/** ⟨j1 m1 j2 m2 | J M⟩ for integer angular momenta (Racah's formula). */
export function clebschGordan(j1: number, m1: number, j2: number, m2: number, J: number, M: number): number {
  if (m1 + m2 !== M) return 0;
  if (J < Math.abs(j1 - j2) || J > j1 + j2) return 0;
  if (Math.abs(m1) > j1 || Math.abs(m2) > j2 || Math.abs(M) > J) return 0;
  const pre =
    0.5 *
    (Math.log(2 * J + 1) +
      logFact(j1 + j2 - J) +
      logFact(j1 - j2 + J) +
      logFact(-j1 + j2 + J) -
      logFact(j1 + j2 + J + 1) +
      logFact(j1 + m1) +
      logFact(j1 - m1) +
      logFact(j2 + m2) +
      logFact(j2 - m2) +
      logFact(J + M) +
      logFact(J - M));
  let sum = 0;
  const kmin = Math.max(0, j2 - J - m1, j1 + m2 - J);
  const kmax = Math.min(j1 + j2 - J, j1 - m1, j2 + m2);
  for (let k = kmin; k <= kmax; k++) {
    const t = Math.exp(
      pre -
        logFact(k) -
        logFact(j1 + j2 - J - k) -
        logFact(j1 - m1 - k) -
        logFact(j2 + m2 - k) -
        logFact(J - j2 + m1 + k) -
        logFact(J - j1 - m2 + k),
    );
    sum += k % 2 === 0 ? t : -t;
  }
  return sum;
}

/** Complex→real transform of ylm.ts: Y^real_{l,m} = Σ_M U[m,M] Y^complex_{l,M}; returned as (re, im) (2l+1)². */
export function complexToReal(l: number): { re: Float64Array; im: Float64Array } {
  const d = 2 * l + 1;
  const re = new Float64Array(d * d);
  const im = new Float64Array(d * d);
  const s = Math.SQRT1_2;
  for (let m = -l; m <= l; m++) {
    const row = (m + l) * d;
    if (m === 0) re[row + l] = 1;
    else if (m > 0) {
      // √2 (−1)^m Re Y_lm = ( Y_{l,−m} + (−1)^m Y_{l,m} ) / √2
      re[row + (-m + l)] = s;
      re[row + (m + l)] = (m % 2 === 0 ? 1 : -1) * s;
    } else {
      const am = -m;
      // √2 (−1)^|m| Im Y_{l,|m|} = i ( Y_{l,−|m|} − (−1)^|m| Y_{l,|m|} ) / √2
      im[row + (-am + l)] = s;
      im[row + (am + l)] = -(am % 2 === 0 ? 1 : -1) * s;
    }
  }
  return { re, im };
}

/**
 * Real CG table for coupling real harmonics of degrees l1, l2 to degree λ (any parity; O(3)-proper when
 * l1 + l2 + λ is even):
 * T_μ = Σ_{m1,m2} C[μ,m1,m2] a_{m1} b_{m2} transforms like the real Y_λμ when a, b transform like Y_l1, Y_l2.
 * The table is C^R = U_λ C (U_l1 ⊗ U_l2)^† made real (a global phase ±1, ±i) with the sign fixed so that the
 * (μ=0, m1=0, m2=0) entry is positive; for λ = 0 (l1 = l2 = l) it is +δ_{m1 m2}/√(2l+1), i.e. the λ=0 coupling
 * is the power spectrum Σ_m a_m b_m / √(2l+1). Stored sparse: entries (mu, m1, m2, value) with m indices offset to 0..2l.
 */
export interface RealCgTable {
  readonly l1: number;
  readonly l2: number;
  readonly lambda: number;
  readonly nnz: number;
  readonly mu: Int32Array;
  readonly m1: Int32Array;
  readonly m2: Int32Array;
  readonly value: Float64Array;
}

export function realCgTable(l1: number, l2: number, lambda: number): RealCgTable {
  if (lambda < Math.abs(l1 - l2) || lambda > l1 + l2)
    throw new RangeError("realCgTable: triangle rule violated");
  const d1 = 2 * l1 + 1;
  const d2 = 2 * l2 + 1;
  const dl = 2 * lambda + 1;
  const U1 = complexToReal(l1);
  const U2 = complexToReal(l2);
  const UL = complexToReal(lambda);
  // C^R[μ,m1,m2] = Σ_{M,M1,M2} U_λ[μ,M] CG(M1,M2;M) conj(U_l1[m1,M1]) conj(U_l2[m2,M2])
  const re = new Float64Array(dl * d1 * d2);
  const im = new Float64Array(dl * d1 * d2);
  for (let M1 = -l1; M1 <= l1; M1++) {
    for (let M2 = -l2; M2 <= l2; M2++) {
      const M = M1 + M2;
      if (Math.abs(M) > lambda) continue;
      const cg = clebschGordan(l1, M1, l2, M2, lambda, M);
      if (cg === 0) continue;
      for (let mu = 0; mu < dl; mu++) {
        const ur = UL.re[mu * dl + M + lambda]!;
        const ui = UL.im[mu * dl + M + lambda]!;
        if (ur === 0 && ui === 0) continue;
        for (let a = 0; a < d1; a++) {
          const ar = U1.re[a * d1 + M1 + l1]!;
          const ai = -U1.im[a * d1 + M1 + l1]!;
          if (ar === 0 && ai === 0) continue;
          for (let b = 0; b < d2; b++) {
            const br = U2.re[b * d2 + M2 + l2]!;
            const bi = -U2.im[b * d2 + M2 + l2]!;
            if (br === 0 && bi === 0) continue;
            // (ur + i ui)(ar + i ai)(br + i bi) cg
            const xr = ur * ar - ui * ai;
            const xi = ur * ai + ui * ar;
            const idx = (mu * d1 + a) * d2 + b;
            re[idx]! += cg * (xr * br - xi * bi);
            im[idx]! += cg * (xr * bi + xi * br);
          }
        }
      }
    }
  }
  // The table is real up to a global phase (±1 for l1+l2+λ even, ±i for odd): rotate it onto the real axis.
  let sr = 0;
  let si = 0;
  for (let k = 0; k < re.length; k++) {
    sr += re[k]! * re[k]!;
    si += im[k]! * im[k]!;
  }
  const vals = sr >= si ? re : im;
  // Sign convention: for l1+l2+λ even the (μ=0, m1=0, m2=0) entry, which equals ±⟨l1 0 l2 0|λ 0⟩ ≠ 0, is made
  // positive; for λ = 0 this gives +δ_{m1m2}/√(2l+1), i.e. the λ=0 coupling is the power spectrum
  // Σ_m a_m b_m/√(2l+1). For l1+l2+λ odd (pseudo-tensor coupling) the first nonzero entry is made positive.
  let anchor = 0;
  if ((l1 + l2 + lambda) % 2 === 0) anchor = vals[(lambda * d1 + l1) * d2 + l2]!;
  else
    for (let k = 0; k < vals.length && anchor === 0; k++) if (Math.abs(vals[k]!) > 1e-12) anchor = vals[k]!;
  const sign = anchor >= 0 ? 1 : -1;
  const tol = 1e-14;
  const mu: number[] = [];
  const m1: number[] = [];
  const m2: number[] = [];
  const value: number[] = [];
  for (let a = 0; a < dl; a++)
    for (let b = 0; b < d1; b++)
      for (let c = 0; c < d2; c++) {
        const v = sign * vals[(a * d1 + b) * d2 + c]!;
        if (Math.abs(v) > tol) {
          mu.push(a);
          m1.push(b);
          m2.push(c);
          value.push(v);
        }
      }
  return {
    l1,
    l2,
    lambda,
    nnz: value.length,
    mu: Int32Array.from(mu),
    m1: Int32Array.from(m1),
    m2: Int32Array.from(m2),
    value: Float64Array.from(value),
  };
}

/**
 * A real CG table's entries grouped by (μ, m1), for couplings that sum over m2 first: group g has μ = gMu[g],
 * m1 = gM1[g] and entries gStart[g]..gStart[g+1]−1 (m2 = eM2[e], value eV[e]); the groups of component μ are
 * muStart[μ]..muStart[μ+1]−1 (muStart has 2λ+2 entries).
 */
export interface GroupedCg {
  readonly gMu: Int32Array;
  readonly gM1: Int32Array;
  readonly gStart: Int32Array;
  readonly eM2: Int32Array;
  readonly eV: Float64Array;
  readonly muStart: Int32Array;
}

export function groupCg(cg: RealCgTable): GroupedCg {
  const order = Array.from({ length: cg.nnz }, (_, e) => e).sort(
    (a, b) => cg.mu[a]! - cg.mu[b]! || cg.m1[a]! - cg.m1[b]! || cg.m2[a]! - cg.m2[b]!,
  );
  const gMu: number[] = [];
  const gM1: number[] = [];
  const gStart: number[] = [];
  order.forEach((e, k) => {
    if (k === 0 || cg.mu[e] !== gMu[gMu.length - 1] || cg.m1[e] !== gM1[gM1.length - 1]) {
      gMu.push(cg.mu[e]!);
      gM1.push(cg.m1[e]!);
      gStart.push(k);
    }
  });
  gStart.push(order.length);
  const nc = 2 * cg.lambda + 1;
  const muStart = new Int32Array(nc + 1);
  for (let mu = 0, g = 0; mu <= nc; mu++) {
    while (g < gMu.length && gMu[g]! < mu) g++;
    muStart[mu] = g;
  }
  return {
    muStart,
    gMu: Int32Array.from(gMu),
    gM1: Int32Array.from(gM1),
    gStart: Int32Array.from(gStart),
    eM2: Int32Array.from(order, (e) => cg.m2[e]!),
    eV: Float64Array.from(order, (e) => cg.value[e]!),
  };
}
