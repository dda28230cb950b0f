/**
 * Bessel radial basis with NequIP's polynomial cutoff envelope (Batzner et al. 2022, eqs. 8–9):
 * B_n(r) = √(2/rc) sin(nπ r/rc)/r · u(r/rc), n = 1..nb, with
 * u(x) = 1 − (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) − p(p+1)/2 x^(p+2) for x < 1, 0 beyond.
 */
export function polynomialEnvelope(x: number, p: number): number {
  if (x >= 1) return 0;
  const xp = x ** p;
  return 1 - ((p + 1) * (p + 2) * xp) / 2 + p * (p + 2) * xp * x - (p * (p + 1) * xp * x * x) / 2;
}

/** Writes the nb basis values at distance r into out[off..off+nb). */
export function besselBasis(
  r: number,
  rc: number,
  nb: number,
  p: number,
  out: Float64Array,
  off: number,
): void {
  const env = polynomialEnvelope(r / rc, p);
  const pref = (Math.sqrt(2 / rc) * env) / r;
  for (let n = 1; n <= nb; n++) out[off + n - 1] = pref * Math.sin((n * Math.PI * r) / rc);
}
