/**
 * Model-file mutators for the fuzz suite. Raw mutations hit the header or the array section of the
 * container (src/model/modelfile.ts) and are caught by its checksums; the "re-signed" ones change the header
 * JSON or an array value and then recompute both SHA-256 sums, so that the file passes the integrity checks
 * and the loader's consistency checks are what must refuse it.
 */
import { createHash } from "node:crypto";
import { flip, insert, type Mutator, remove, truncate } from "./mutate.js";

interface Container {
  header: Record<string, unknown>;
  /** Byte offset of the array section. */
  start: number;
  data: Uint8Array;
}

const pad8 = (x: number) => Math.ceil(x / 8) * 8;
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest();

/** Split a valid model file into its header JSON and array section (layout: src/model/modelfile.ts). */
function open(bytes: Uint8Array): Container {
  const hl = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + hl)).toString("utf8")) as Record<
    string,
    unknown
  >;
  const start = pad8(12 + hl + 32);
  return { header, start, data: bytes.subarray(start) };
}

/** Write the container back with both checksums recomputed. */
function seal(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const hb = Buffer.from(JSON.stringify({ ...header, sha256: sha256(data).toString("hex") }), "utf8");
  const start = pad8(12 + hb.length + 32);
  const out = new Uint8Array(start + data.length);
  out.set(Buffer.from("SOAPGPR\n", "latin1"), 0);
  new DataView(out.buffer).setUint32(8, hb.length, true);
  out.set(hb, 12);
  out.set(sha256(hb), 12 + hb.length);
  out.set(data, start);
  return out;
}

/** JSON values that break assumptions about lengths, offsets, types and shapes. */
const PROBES: unknown[] = [
  null,
  -1,
  0,
  3,
  1.5,
  1e308,
  2 ** 32,
  -(2 ** 31),
  "",
  "x",
  true,
  [],
  {},
  [null],
  [1e9],
];

/** Float64 values written into the array section. */
const FLOATS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e308, -1e308, 0];

/** Every path (list of keys) into a JSON value, the root excluded. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== "object") return [];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return keys.flatMap((k) => {
    const p = [...prefix, k];
    return [p, ...paths((v as Record<string | number, unknown>)[k], p)];
  });
}

function setPath(root: unknown, p: (string | number)[], value: unknown): void {
  let o = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[p[p.length - 1]!] = value;
}

/** Replace one node of the header JSON (anything but the checksum) by a probe value, then re-sign. */
export const resignHeader: Mutator = (src, rng) => {
  const c = open(src);
  const all = paths(c.header).filter((p) => p[0] !== "sha256");
  const p = all[rng.int(all.length)]!;
  const value = PROBES[rng.int(PROBES.length)];
  setPath(c.header, p, structuredClone(value));
  return {
    bytes: seal(c.header, c.data),
    what: `header.${p.join(".")} = ${JSON.stringify(value)} (re-signed)`,
  };
};

/** Overwrite one float64 slot of the array section by NaN / ±Inf / ±1e308 / 0, then re-sign. */
export const resignArray: Mutator = (src, rng) => {
  const c = open(src);
  const data = c.data.slice();
  const slot = rng.int(Math.floor(data.length / 8));
  const value = FLOATS[rng.int(FLOATS.length)]!;
  new DataView(data.buffer).setFloat64(8 * slot, value, true);
  return { bytes: seal(c.header, data), what: `array byte ${8 * slot} = ${value} (re-signed)` };
};

/** Apply a raw byte mutator inside one section: [0, start) for the header, [start, end) for the arrays. */
function inSection(m: Mutator, section: "header" | "arrays"): Mutator {
  return (src, rng) => {
    const { start } = open(src);
    const [lo, hi] = section === "header" ? [0, start] : [start, src.length];
    const r = m(src.subarray(lo, hi), rng);
    const out = new Uint8Array(lo + r.bytes.length + (src.length - hi));
    out.set(src.subarray(0, lo), 0);
    out.set(r.bytes, lo);
    out.set(src.subarray(hi), lo + r.bytes.length);
    return { bytes: out, what: `${section}: ${r.what} (offset ${lo})` };
  };
}

export const MODEL_MUTATORS: readonly Mutator[] = [
  inSection(flip, "header"),
  inSection(insert, "header"),
  inSection(remove, "header"),
  inSection(flip, "arrays"),
  truncate,
  resignHeader,
  resignHeader,
  resignHeader,
  resignArray,
];
