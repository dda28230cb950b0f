/** Option parsers and output helpers shared by the commands (thin CLI layer; no numerics). */
import { InvalidArgumentError } from "commander";
import { EngineError } from "../src/core/errors.js";
import { STDOUT_NAME } from "../src/io/atomic.js";
import { type HyperOptions, soapHypers } from "../src/api.js";
import type { SoapHypers } from "../src/soap/hypers.js";

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

/** A number flag's value (undefined when not given); not a number → InvalidParameter naming the flag. */
export function numberFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x))
    throw new EngineError("InvalidParameter", `${flag} must be a number, got '${v}'`, { field: flag });
  return x;
}

/**
 * λ-SOAP hypers from the flags --preset, --rcut, --smooth, --sigma, --nmax, --lmax, --center-weight: the library's
 * `soapHypers` (src/api.ts, the same plain options), with each flag's number checked here.
 */
export function soapHypersFromCli(o: SoapCliOptions): SoapHypers {
  const num = (v: string | undefined, flag: string) => numberFlag(v, flag);
  const options: HyperOptions = {
    ...(o.preset !== undefined ? { preset: o.preset as HyperOptions["preset"] } : {}),
    ...opt("rcut", num(o.rcut, "--rcut")),
    ...opt("smooth", num(o.smooth, "--smooth")),
    ...opt("sigma", num(o.sigma, "--sigma")),
    ...opt("nmax", num(o.nmax, "--nmax")),
    ...opt("lmax", num(o.lmax, "--lmax")),
    ...opt("centerWeight", num(o.centerWeight, "--center-weight")),
  };
  return soapHypers(options);
}

const opt = (k: keyof HyperOptions, v: number | undefined) => (v === undefined ? {} : { [k]: v });
