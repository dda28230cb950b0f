/** Small summary statistics for plot titles and legends (the engine's metrics live in src/metrics). */
import { EngineError } from "../core/errors.js";
import type { Values } from "./types.js";

/** Mean absolute error and Pearson r of paired values (NaN r when either side is constant). */
export function maeAndPearson(reference: Values, predicted: Values): { mae: number; r: number; n: number } {
  const n = reference.length;
  if (predicted.length !== n) {
    throw new EngineError("ShapeMismatch", `reference has ${n} values, predicted ${predicted.length}`);
  }
  if (n === 0) return { mae: Number.NaN, r: Number.NaN, n };
  let sx = 0;
  let sy = 0;
  let ae = 0;
  for (let i = 0; i < n; i++) {
    sx += reference[i]!;
    sy += predicted[i]!;
    ae += Math.abs(predicted[i]! - reference[i]!);
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = reference[i]! - mx;
    const dy = predicted[i]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const r = sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
  return { mae: ae / n, r, n };
}

/** Format a number to `digits` significant digits without exponent for moderate magnitudes. */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "—" : v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e6) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
    return v.toFixed(Math.min(decimals, 12)).replace(/-/g, "−");
  }
  return v.toExponential(digits - 1).replace(/-/g, "−");
}
