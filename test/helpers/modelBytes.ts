import { createHash } from "node:crypto";

/** Split a model file into its header JSON and its array section (layout in src/model/modelfile.ts). */
export function unsealModel(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const hl = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + hl)).toString("utf8"));
  return { header, data: bytes.slice(Math.ceil((12 + hl + 32) / 8) * 8) };
}

/** Build a model container around any header JSON and array bytes, with a valid header checksum. */
export function sealModel(header: unknown, data: Uint8Array): Uint8Array {
  const hb = Buffer.from(JSON.stringify(header), "utf8");
  const start = Math.ceil((12 + hb.length + 32) / 8) * 8;
  const out = new Uint8Array(start + data.length);
  out.set(Buffer.from("SOAPGPR\n", "latin1"), 0);
  new DataView(out.buffer).setUint32(8, hb.length, true);
  out.set(hb, 12);
  out.set(createHash("sha256").update(hb).digest(), 12 + hb.length);
  out.set(data, start);
  return out;
}
