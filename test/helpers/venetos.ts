/** A small subset of the Venetos et al. ²⁹Si shielding set (../shared/data), for the MS model tests. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import type { Structure } from "../../src/core/structure.js";
import { parseVenetosJson } from "../../src/io/venetos.js";
import { runCli } from "./cli.js";

export const VENETOS_FILE = new URL(
  "../../../shared/data/magres/venetos_si_ms/si_nmr_data.json.gz",
  import.meta.url,
).pathname;

type Columns = Record<string, Record<string, unknown>>;
let raw: Columns | null = null;

/**
 * The first `n` Venetos structures made only of Si and O with at most 48 atoms (small cells, two species
 * channels), written in the Venetos JSON layout to a fresh temporary directory: `file` is what the CLI reads,
 * `structures` what it parses to.
 */
export function venetosSubset(n: number): { structures: Structure[]; file: string; dir: string } {
  raw ??= JSON.parse(gunzipSync(fs.readFileSync(VENETOS_FILE)).toString("utf8")) as Columns;
  const r = raw;
  const ids = Object.keys(r.species!)
    .sort((a, b) => Number(a) - Number(b))
    .filter((id) => {
      const z = r.species![id] as number[];
      return z.length <= 48 && z.every((x) => x === 8 || x === 14);
    })
    .slice(0, n);
  const subset = Object.fromEntries(
    Object.entries(r).map(([col, byId]) => [col, Object.fromEntries(ids.map((id) => [id, byId[id]]))]),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-ms-"));
  const file = path.join(dir, "venetos.json");
  const text = JSON.stringify(subset);
  fs.writeFileSync(file, text);
  return { structures: parseVenetosJson(text, file), file, dir };
}

/**
 * `f` of the reference tensor of each predicted atom (`atoms`: flat (structure, atom) pairs), NaN for atoms
 * without a tensor (Venetos give tensors for the symmetry-distinct Si only).
 */
export function referenceAt(
  structures: readonly Structure[],
  atoms: Int32Array,
  f: (t: Float64Array, off: number) => number,
): Float64Array {
  const out = new Float64Array(atoms.length / 2);
  for (let k = 0; k < out.length; k++) {
    const ms = structures[atoms[2 * k]!]!.numericArray("ms")!.data as Float64Array;
    const off = 9 * atoms[2 * k + 1]!;
    out[k] = Number.isNaN(ms[off]!) ? Number.NaN : f(ms, off);
  }
  return out;
}

/** max |a − b| over the entries where b is known (not NaN); throws when none is. */
export function maxKnownDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let known = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(b[i]!)) continue;
    known++;
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  if (known === 0) throw new Error("no reference values to compare");
  return worst;
}

/** Small λ-SOAP settings for the CLI tests on the Venetos subset. */
export const SMALL_SOAP_ARGS = ["--nmax", "3", "--lmax", "2", "--rcut", "4"];

/** `soapgpr fit --target T --species Si --data FILE <small hypers> --reg REG --out MODEL [extra]`, which must succeed. */
export async function fitSi(
  file: string,
  model: string,
  target: string,
  reg: string,
  extra: string[] = [],
): Promise<{ stdout: string }> {
  const args = ["fit", "--target", target, "--species", "Si", "--data", file, ...SMALL_SOAP_ARGS];
  // the tests fit at the reg they give (interpolation at tiny reg): no maximum-likelihood noise
  const r = await runCli([...args, "--reg", reg, "--noise", "fixed", "--out", model, ...extra]);
  if (r.code !== 0) throw new Error(`fit failed (${r.code}): ${r.stderr}`);
  return r;
}

/** `soapgpr predict --model MODEL --data FILE --out OUT [extra]`, which must succeed. */
export async function predictSi(
  model: string,
  file: string,
  out: string,
  extra: string[] = [],
): Promise<void> {
  const r = await runCli(["predict", "--model", model, "--data", file, "--out", out, ...extra]);
  if (r.code !== 0) throw new Error(`predict failed (${r.code}): ${r.stderr}`);
}
