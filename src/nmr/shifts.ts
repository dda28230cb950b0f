/**
 * Chemical shifts from shieldings: δ_iso = a − b·σ_iso. `--reference σ_ref` is a = σ_ref, b = 1; `--reference-fit
 * FILE` fits a and b by least squares to assigned sites (a CSV with columns `sigma` — calculated σ_iso, ppm — and
 * `delta` — experimental δ_iso, ppm), the usual linear referencing of GIPAW shieldings.
 */
import { EngineError, quoteInput } from "../core/errors.js";

export interface ShiftReference {
  /** δ = a − b·σ (ppm). */
  readonly a: number;
  readonly b: number;
  /** Pearson r of the fit (−1 … 1; a good fit of δ against σ has r ≈ −1), when fitted. */
  readonly r: number | null;
  /** Sites the fit used (0 for a fixed σ_ref). */
  readonly n: number;
}

export function fixedReference(sigmaRef: number): ShiftReference {
  if (!Number.isFinite(sigmaRef))
    throw new EngineError("InvalidParameter", `reference must be a finite σ_ref in ppm, got ${sigmaRef}`, {
      field: "reference",
    });
  return { a: sigmaRef, b: 1, r: null, n: 0 };
}

export function chemicalShift(ref: ShiftReference, sigmaIso: number): number {
  return ref.a - ref.b * sigmaIso;
}

/** Least-squares δ = a − b·σ of paired values; needs ≥ 2 sites with distinct σ. */
export function fitReference(
  sigma: readonly number[],
  delta: readonly number[],
  file = "<pairs>",
): ShiftReference {
  const n = sigma.length;
  const ms = sigma.reduce((s, x) => s + x, 0) / n;
  const md = delta.reduce((s, x) => s + x, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (sigma[i]! - ms) ** 2;
    sxy += (sigma[i]! - ms) * (delta[i]! - md);
    syy += (delta[i]! - md) ** 2;
  }
  if (n < 2 || !(sxx > 0))
    throw new EngineError(
      "InvalidParameter",
      `a reference fit needs at least 2 sites with different σ (got ${n})`,
      {
        file,
        field: "sigma",
      },
    );
  const slope = sxy / sxx; // δ = md + slope·(σ − ms)
  return { a: md - slope * ms, b: -slope, r: syy > 0 ? sxy / Math.sqrt(sxx * syy) : null, n };
}

/** Parse the CSV of assigned sites (header with `sigma` and `delta` columns; `#` comments) and fit. */
export function referenceFromCsv(text: string, file: string): ShiftReference {
  const lines = text.split(/\r?\n/).map((l, i) => ({ l: l.trim(), line: i + 1 }));
  const rows = lines.filter((x) => x.l !== "" && !x.l.startsWith("#"));
  const head = rows.shift();
  const cols = head?.l.split(",").map((c) => c.trim().toLowerCase()) ?? [];
  const is = cols.indexOf("sigma");
  const id = cols.indexOf("delta");
  if (is < 0 || id < 0)
    throw new EngineError(
      "ParseError",
      "reference CSV needs a header with columns 'sigma' and 'delta' (ppm)",
      {
        file,
        line: head?.line ?? 1,
        field: is < 0 ? "sigma" : "delta",
      },
    );
  const sigma: number[] = [];
  const delta: number[] = [];
  for (const { l, line } of rows) {
    const cells = l.split(",").map((c) => c.trim());
    for (const [k, name, out] of [
      [is, "sigma", sigma],
      [id, "delta", delta],
    ] as const) {
      const v = Number(cells[k]);
      if (cells[k] === undefined || cells[k] === "" || !Number.isFinite(v))
        throw new EngineError("ParseError", `${name} is not a finite number: ${quoteInput(cells[k] ?? "")}`, {
          file,
          line,
          field: name,
        });
      out.push(v);
    }
  }
  return fitReference(sigma, delta, file);
}
