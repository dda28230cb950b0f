/**
 * Model files: one binary file holding a versioned JSON header and the model's arrays.
 *
 *   bytes 0..7     magic "SOAPGPR\n"
 *   bytes 8..11    header length H (uint32, little-endian)
 *   12..12+H       header, UTF-8 JSON (see FileHeader)
 *   next 32 bytes  SHA-256 of the header bytes
 *   zero padding to a multiple of 8, then the arrays back to back (little-endian float64 / int32), each
 *   starting at a multiple of 8 bytes, at the offsets listed in the header; `sha256` in the header covers
 *   all array bytes.
 *
 * Files are written atomically (temp file + fsync + rename, src/io/atomic.ts). Loading checks the magic (a
 * foreign file), the container version (a file from a newer soapgpr), both checksums (corruption), the sizes
 * (truncation) and then hands the payload to the loader registered for its `kind` and `formatVersion` (a closed
 * registry, `ModelRegistry`, filled in src/models.ts: unknown kinds are refused). Every failure is
 * EngineError('CorruptModel') naming the file.
 */
import { createHash } from "node:crypto";
import { EngineError } from "../core/errors.js";
import { libraryVersion } from "../core/version.js";
import { readBytes, writeFileAtomic } from "../io/atomic.js";
import type { Model, ModelPayload } from "./types.js";

export const MODEL_MAGIC = "SOAPGPR\n";
/** Version of the container layout above. */
export const MODEL_CONTAINER_VERSION = 1;

export interface ArrayEntry {
  readonly name: string;
  readonly dtype: "float64" | "int32";
  readonly length: number;
  /** Byte offset from the start of the array section. */
  readonly offset: number;
}

export interface FileHeader {
  readonly format: "soapgpr-model";
  readonly containerVersion: number;
  readonly kind: string;
  /** Version of this kind's header/array schema. */
  readonly formatVersion: number;
  readonly library: { readonly name: string; readonly version: string };
  readonly created: string;
  readonly header: Readonly<Record<string, unknown>>;
  readonly arrays: readonly ArrayEntry[];
  /** SHA-256 (hex) of the array section. */
  readonly sha256: string;
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const pad8 = (x: number) => Math.ceil(x / 8) * 8;

/** Serialise a payload to bytes. `formatVersion` is the kind's schema version (payload.header.formatVersion or 1). */
export function encodeModel(payload: ModelPayload): Uint8Array {
  const entries: ArrayEntry[] = [];
  let off = 0;
  for (const [name, arr] of payload.arrays) {
    const dtype = arr instanceof Float64Array ? "float64" : "int32";
    entries.push({ name, dtype, length: arr.length, offset: off });
    off = pad8(off + arr.byteLength);
  }
  const data = new Uint8Array(off);
  const le = new DataView(data.buffer);
  entries.forEach((e, i) => {
    const arr = [...payload.arrays.values()][i]!;
    if (e.dtype === "float64")
      for (let k = 0; k < arr.length; k++) le.setFloat64(e.offset + 8 * k, arr[k]!, true);
    else for (let k = 0; k < arr.length; k++) le.setInt32(e.offset + 4 * k, arr[k]!, true);
  });
  const fv = payload.header.formatVersion;
  const header: FileHeader = {
    format: "soapgpr-model",
    containerVersion: MODEL_CONTAINER_VERSION,
    kind: payload.kind,
    formatVersion: typeof fv === "number" ? fv : 1,
    library: { name: "soapgpr", version: libraryVersion() },
    created: new Date().toISOString(),
    header: payload.header,
    arrays: entries,
    sha256: sha256(data),
  };
  const hb = Buffer.from(JSON.stringify(header), "utf8");
  const start = pad8(12 + hb.length + 32);
  const out = new Uint8Array(start + data.length);
  out.set(Buffer.from(MODEL_MAGIC, "latin1"), 0);
  new DataView(out.buffer).setUint32(8, hb.length, true);
  out.set(hb, 12);
  out.set(createHash("sha256").update(hb).digest(), 12 + hb.length);
  out.set(data, start);
  return out;
}

/** Parse and verify bytes; returns the payload and the file header. */
export function decodeModel(
  bytes: Uint8Array,
  file = "<bytes>",
): { payload: ModelPayload; file: FileHeader } {
  const bad = (msg: string): never => {
    throw new EngineError("CorruptModel", msg, { file });
  };
  if (bytes.length < 12 || Buffer.from(bytes.subarray(0, 8)).toString("latin1") !== MODEL_MAGIC) {
    bad("not a soapgpr model file (wrong magic bytes)");
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hl = dv.getUint32(8, true);
  if (12 + hl + 32 > bytes.length)
    bad(`model file is truncated (header needs ${12 + hl + 32} bytes, file has ${bytes.length})`);
  const hb = bytes.subarray(12, 12 + hl);
  const hsum = Buffer.from(bytes.subarray(12 + hl, 12 + hl + 32)).toString("hex");
  if (sha256(hb) !== hsum) bad("model header checksum mismatch: the file is corrupted");
  let header: FileHeader;
  try {
    header = JSON.parse(Buffer.from(hb).toString("utf8")) as FileHeader;
  } catch {
    return bad("model header is not valid JSON: the file is corrupted");
  }
  if (!isRecord(header)) bad("model header is not a JSON object");
  if (header.format !== "soapgpr-model") bad(`not a soapgpr model file (format '${String(header.format)}')`);
  if (typeof header.containerVersion !== "number" || header.containerVersion > MODEL_CONTAINER_VERSION) {
    bad(
      `model file container version ${String(header.containerVersion)} is newer than this soapgpr supports ` +
        `(${MODEL_CONTAINER_VERSION}); written by soapgpr ${header.library?.version ?? "?"}: upgrade soapgpr`,
    );
  }
  checkHeaderShape(header, bad);
  const start = pad8(12 + hl + 32);
  const data = bytes.subarray(start);
  let need = 0;
  for (const e of header.arrays) need = Math.max(need, e.offset + e.length * (e.dtype === "float64" ? 8 : 4));
  if (data.length < need) bad(`model file is truncated (arrays need ${need} bytes, found ${data.length})`);
  if (sha256(data) !== header.sha256) bad("model array checksum mismatch: the file is corrupted");
  const arrays = new Map<string, Float64Array | Int32Array>();
  const adv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const e of header.arrays) {
    if (arrays.has(e.name)) bad(`array '${e.name}' is listed twice`);
    if (e.dtype === "float64") {
      const a = new Float64Array(e.length);
      for (let k = 0; k < e.length; k++) {
        a[k] = adv.getFloat64(e.offset + 8 * k, true);
        if (!Number.isFinite(a[k])) bad(`array '${e.name}' holds a non-finite value (${a[k]}) at index ${k}`);
      }
      arrays.set(e.name, a);
    } else {
      const a = new Int32Array(e.length);
      for (let k = 0; k < e.length; k++) a[k] = adv.getInt32(e.offset + 4 * k, true);
      arrays.set(e.name, a);
    }
  }
  return { payload: { kind: header.kind, header: header.header, arrays }, file: header };
}

/** A plain JSON object (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The header fields that decoding relies on, checked before use: a header that passes its checksum can still be
 * inconsistent (hand-edited, or written by a faulty tool). Array entries need a name, a known dtype, a
 * non-negative integer length and an offset that is a non-negative multiple of 8 (the layout above).
 */
function checkHeaderShape(header: FileHeader, bad: (msg: string) => never): void {
  if (typeof header.kind !== "string") bad("model header has no 'kind'");
  if (!Number.isSafeInteger(header.formatVersion)) bad("model header has no integer 'formatVersion'");
  if (!isRecord(header.header)) bad("model header has no 'header' object");
  if (typeof header.sha256 !== "string") bad("model header has no array checksum 'sha256'");
  if (!Array.isArray(header.arrays)) bad("model header has no 'arrays' list");
  for (const [i, e] of (header.arrays as unknown[]).entries()) {
    if (!isRecord(e) || typeof e.name !== "string") bad(`array entry ${i} has no name`);
    const what = `array '${e.name}'`;
    if (e.dtype !== "float64" && e.dtype !== "int32") bad(`${what} has unknown dtype '${String(e.dtype)}'`);
    if (!Number.isSafeInteger(e.length) || (e.length as number) < 0)
      bad(`${what} has an invalid length ${JSON.stringify(e.length)}`);
    const off = e.offset as number;
    if (!Number.isSafeInteger(off) || off < 0 || off % 8 !== 0)
      bad(`${what} has an invalid offset ${JSON.stringify(e.offset)} (must be a non-negative multiple of 8)`);
  }
}

export type ModelLoader = (payload: ModelPayload, file: string) => Model;

/**
 * A closed registry of model loaders keyed by kind and schema version (e.g. 'gpr' v1). The one instance that knows
 * every kind lives in src/models.ts, above src/gpr and src/gnn.
 */
export class ModelRegistry {
  readonly #loaders = new Map<string, ModelLoader>();

  /** Add the loader of one model kind and schema version; returns the registry for chaining. */
  register(kind: string, formatVersion: number, loader: ModelLoader): this {
    this.#loaders.set(`${kind}@${formatVersion}`, loader);
    return this;
  }

  /** The registered "kind@version" keys. */
  keys(): string[] {
    return [...this.#loaders.keys()];
  }

  /** Read a model file and rebuild the model with the loader of its kind and version. */
  load(file: string): Model {
    const { payload, file: fh } = decodeModel(readBytes(file), file);
    const loader = this.#loaders.get(`${fh.kind}@${fh.formatVersion}`);
    if (!loader) {
      const known = this.keys().filter((k) => k.startsWith(`${fh.kind}@`));
      throw new EngineError(
        "CorruptModel",
        known.length > 0
          ? `model kind '${fh.kind}' format version ${fh.formatVersion} is not supported (this soapgpr reads ${known.join(", ")}); written by soapgpr ${fh.library?.version ?? "?"}`
          : `unknown model kind '${fh.kind}' (known: ${this.keys().join(", ") || "none"})`,
        { file },
      );
    }
    return loader(payload, file);
  }
}

/** Write a model file atomically. */
export function saveModel(model: Model | ModelPayload, file: string): void {
  const payload = "serialize" in model ? model.serialize() : model;
  writeFileAtomic(file, encodeModel(payload));
}

/** The target a model learned ("efg", "efg:cq", ...), from its header (GPR: params.target; GNN: target.name). */
export function modelTargetName(header: Readonly<Record<string, unknown>>): string | undefined {
  const params = header["params"] as { target?: unknown } | undefined;
  if (typeof params?.target === "string") return params.target;
  const t = header["target"] as { name?: unknown } | string | undefined;
  if (typeof t === "string") return t;
  if (t && typeof t.name === "string") return t.name;
  return undefined;
}
