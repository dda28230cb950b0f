/** Option parsers and output helpers shared by the commands (thin CLI layer; no numerics). */
import { InvalidArgumentError } from "commander";
import { STDOUT_NAME } from "../src/io/atomic.js";

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
