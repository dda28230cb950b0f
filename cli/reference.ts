/** `--reference σ_ref` / `--reference-fit FILE` (predict, nmr): the chemical-shift reference (src/nmr/shifts.ts). */
import type { Command } from "commander";
import { EngineError } from "../src/core/errors.js";
import { readTextMaybeGz } from "../src/io/atomic.js";
import { fixedReference, referenceFromCsv, type ShiftReference } from "../src/nmr/shifts.js";

export interface ReferenceCliOptions {
  reference?: string;
  referenceFit?: string;
}

export function addReferenceOptions(cmd: Command): Command {
  return cmd
    .option("--reference <σ_ref>", "chemical shifts δ_iso = σ_ref − σ_iso (ppm)")
    .option(
      "--reference-fit <file>",
      "fit δ_exp = a − b·σ_calc to a CSV of assigned sites (columns sigma, delta; ppm) and use it for δ_iso",
    );
}

/** The reference of the options (null without either), and the line that reports it. */
export function referenceOf(o: ReferenceCliOptions): {
  reference: ShiftReference | null;
  text: string | null;
} {
  if (o.reference !== undefined && o.referenceFit !== undefined)
    throw new EngineError("InvalidParameter", "give --reference or --reference-fit, not both", {
      field: "--reference",
    });
  if (o.reference !== undefined) {
    const r = fixedReference(Number(o.reference));
    return { reference: r, text: `shift reference: δ_iso = ${r.a} − σ_iso (ppm)` };
  }
  if (o.referenceFit === undefined) return { reference: null, text: null };
  const r = referenceFromCsv(readTextMaybeGz(o.referenceFit), o.referenceFit);
  return {
    reference: r,
    text: `shift reference fit (${r.n} sites of ${o.referenceFit}): δ_iso = a − b·σ_iso, a = ${r.a.toFixed(4)} ppm, b = ${r.b.toFixed(6)}, r = ${r.r === null ? "-" : r.r.toFixed(6)}`,
  };
}
