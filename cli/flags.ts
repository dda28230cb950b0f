/**
 * Library errors name parameters (field 'reg', 'sparse.selection', '$.density.width', …), never CLI flags; the
 * CLI adds the flag when it reports them (cli/main.ts): the error's `field '…'` becomes the flag, and λ-SOAP
 * hyperparameter paths in the text get their flag after them ("cutoff.radius (--rcut)").
 */
import type { EngineError } from "../src/core/errors.js";

/** Library field → the flag that sets it. λ-SOAP paths without the "$." of parseSoapHypers. */
export const FIELD_FLAGS: ReadonlyMap<string, string> = new Map([
  ["species", "--species"],
  ["lambda", "--lambda"],
  ["target", "--target"],
  ["zeta", "--zeta"],
  ["reg", "--reg"],
  ["backend", "--backend"],
  ["sparse.m", "--sparse"],
  ["sparse.seed", "--seed"],
  ["sparse.selection", "--selection"],
  ["sparse.approximation", "--approximation"],
  ["centers", "--centers"],
  ["preset", "--preset"],
  ["out", "--out"],
  ["report", "--report"],
  ["format", "--format"],
  ["observables", "--observables"],
  ["reference", "--reference"],
  ["uncertainty", "--uncertainty"],
  ["objective", "--objective"],
  ["cutoff.radius", "--rcut"],
  ["cutoff.smoothing.width", "--smooth"],
  ["density.width", "--sigma"],
  ["basis.maxRadial", "--nmax"],
  ["basis.maxAngular", "--lmax"],
  ["centerWeight", "--center-weight"],
  ["memory", "--memory"],
  ["variance", "--variance"],
  ["noise", "--noise"],
  ["resume", "--resume"],
]);

/** The flag of a library field (λ-SOAP JSON paths "$.x.y" as "x.y"), if it has one. */
export function flagOf(field: string): string | undefined {
  return FIELD_FLAGS.get(field.replace(/^\$\./, ""));
}

/** λ-SOAP paths in running text (not a "$.path" prefix, not already followed by their flag). */
const HYPER_PATH =
  /(?<![\w$.])(cutoff\.radius|density\.width|basis\.maxRadial|basis\.maxAngular)\b(?! \(--)/g;

/** An engine error's message as the CLI prints it: with the flags of the fields it names. */
export function cliErrorMessage(e: EngineError): string {
  const flag = e.field !== undefined ? flagOf(e.field) : undefined;
  const m = flag !== undefined ? e.message.replace(`field '${e.field}'`, `field '${flag}'`) : e.message;
  return m.replace(HYPER_PATH, (path: string) => `${path} (${flagOf(path)})`);
}
