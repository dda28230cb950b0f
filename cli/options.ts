/** Option parsers and output helpers shared by the commands (thin CLI layer; no numerics). */
import { InvalidArgumentError } from "commander";
import { EngineError } from "../src/core/errors.js";
import { STDOUT_NAME } from "../src/io/atomic.js";
import {
  type CutoffSmoothing,
  DEFAULT_SOAP_HYPERS,
  parseSoapHypers,
  type SoapHypers,
  type SoapHypersInput,
  TENSOAP_PRESET,
} from "../src/soap/hypers.js";

/**
 * `--seed`: a non-negative integer up to 2^53 − 1 (Number.MAX_SAFE_INTEGER). Larger values would silently
 * collapse onto their neighbours in a float64, so they are a usage error (exit code 2).
 */
export function parseSeed(v: string): number {
  const s = v.trim();
  if (!/^\d+$/.test(s)) throw new InvalidArgumentError("expected a non-negative integer.");
  if (BigInt(s) > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvalidArgumentError(`seeds above 2^53 - 1 = ${Number.MAX_SAFE_INTEGER} are not supported.`);
  return Number(s);
}

/** Where a command's summary goes: stderr when its output file is standard output (`--out -`), else stdout. */
export function summaryStream(out: string | undefined): NodeJS.WriteStream {
  return out === STDOUT_NAME ? process.stderr : process.stdout;
}

/** The λ-SOAP flags of `fit` and `kernel`, as commander gives them (all optional). */
export interface SoapCliOptions {
  preset?: string;
  rcut?: string;
  sigma?: string;
  nmax?: string;
  lmax?: string;
  smooth?: string;
  centerWeight?: string;
}

const SOAP_PRESETS: ReadonlyMap<string, SoapHypers> = new Map([
  ["default", DEFAULT_SOAP_HYPERS],
  ["tensoap", TENSOAP_PRESET],
]);

/** A number flag's value (undefined when not given); not a number → InvalidParameter naming the flag. */
export function numberFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x))
    throw new EngineError("InvalidParameter", `${flag} must be a number, got '${v}'`, { field: flag });
  return x;
}

/**
 * λ-SOAP hypers from the flags: the preset (default or tensoap) with --rcut (cutoff.radius), --smooth
 * (cutoff.smoothing: shifted cosine of that width, 0 = step), --sigma (density.width), --nmax (basis.maxRadial),
 * --lmax (basis.maxAngular) and --center-weight (centerWeight) over it, validated by parseSoapHypers.
 */
export function soapHypersFromCli(o: SoapCliOptions): SoapHypers {
  const base = SOAP_PRESETS.get(o.preset ?? "default");
  if (base === undefined)
    throw new EngineError("InvalidParameter", `unknown preset '${o.preset}' (use tensoap or default)`, {
      field: "--preset",
    });
  const radius = numberFlag(o.rcut, "--rcut");
  const smooth = numberFlag(o.smooth, "--smooth");
  const width = numberFlag(o.sigma, "--sigma");
  const maxRadial = numberFlag(o.nmax, "--nmax");
  const maxAngular = numberFlag(o.lmax, "--lmax");
  const centerWeight = numberFlag(o.centerWeight, "--center-weight");
  const smoothing: CutoffSmoothing | undefined =
    smooth === undefined
      ? undefined
      : smooth > 0
        ? { type: "ShiftedCosine", width: smooth }
        : { type: "Step" };
  const input: SoapHypersInput = {
    cutoff: { ...(radius !== undefined ? { radius } : {}), ...(smoothing ? { smoothing } : {}) },
    density: width !== undefined ? { width } : {},
    basis: {
      ...(maxRadial !== undefined ? { maxRadial } : {}),
      ...(maxAngular !== undefined ? { maxAngular } : {}),
    },
    ...(centerWeight !== undefined ? { centerWeight } : {}),
  };
  return parseSoapHypers(input, base);
}
