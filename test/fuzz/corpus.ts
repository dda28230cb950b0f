/**
 * The fuzz suite's seed corpus: small excerpts of datasets/ and ../shared/data, cut at run time into a
 * temporary directory (shared data is never copied into the repository), plus handcrafted files.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

const ROOT = join(import.meta.dirname, "..", "..");
const SHARED = join(ROOT, "..", "shared", "data");
const FIXTURES = join(ROOT, "test", "fixtures", "io");

/** The first `frames` frames of an extxyz file (each frame: a count line, a comment line, count rows). */
export function extxyzFrames(file: string, frames: number): Uint8Array {
  const lines = readFileSync(file, "utf8").split("\n");
  let at = 0;
  for (let f = 0; f < frames; f++) at += Number(lines[at]) + 2;
  return Buffer.from(`${lines.slice(0, at).join("\n")}\n`);
}

/** Venetos et al. JSON reduced to the entries `ids` (every column keeps only those keys). */
export function venetosEntries(file: string, ids: readonly string[]): Uint8Array {
  const d = JSON.parse(gunzipSync(readFileSync(file)).toString("utf8")) as Record<
    string,
    Record<string, unknown>
  >;
  const cut = Object.fromEntries(
    Object.entries(d).map(([col, byId]) => [col, Object.fromEntries(ids.map((id) => [id, byId[id]]))]),
  );
  return Buffer.from(JSON.stringify(cut));
}

/** Three atoms with integer (I) and logical (L) columns besides a real one. */
const TINY_EXTXYZ = `3
Lattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3:charge:R:1:tag:I:1:fixed:L:1 pbc="T T T" note="tiny"
Li 0.00 0.00 0.00 1.0 7 T
Ti 2.50 2.50 2.50 4.0 -3 F
O  1.25 1.25 0.50 -2.0 0 T
`;

export const paths = {
  lto: join(ROOT, "datasets", "lto-pointcharge-small.extxyz"),
  quartzEfg: join(SHARED, "magres", "qe-gipaw", "quartz_quartz.efg.magres"),
  quartzNmr: join(SHARED, "magres", "qe-gipaw", "quartz_quartz.nmr.magres"),
  naP: join(SHARED, "magres", "matador", "NaP_QE6.magres"),
  venetos: join(SHARED, "magres", "venetos_si_ms", "si_nmr_data.json.gz"),
  spinel: join(FIXTURES, "Li4Ti5O12_spinel.cif"),
  nacl: join(FIXTURES, "NaCl_rocksalt.cif"),
};

export const handcrafted = { tinyExtxyz: Buffer.from(TINY_EXTXYZ) };
