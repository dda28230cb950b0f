/**
 * The one way soapgpr writes a JSON document for programs to read (`--json` of every command, report.json,
 * predict's .json): the conventions of docs/json.md, checked against docs/schema/soapgpr.schema.json by
 * test/unit/json-schema.test.ts.
 * - species are element symbols: a key named `element` (the library's name in metric results) is written as
 *   `species`, and the integer value(s) of `species`, `centerSpecies`, `centreSpecies` (atomic numbers inside
 *   the library) as symbols;
 * - non-finite numbers are written as null (JSON has no NaN or Infinity), typed arrays as arrays.
 */
import { symbolOf } from "./elements.js";

/** Keys whose values are species (atomic numbers inside the library). Counts such as `nSpecies` are not. */
const SPECIES_KEYS: ReadonlySet<string> = new Set(["species", "centerSpecies", "centreSpecies"]);

function speciesValue(v: unknown): unknown {
  if (typeof v === "number" && Number.isInteger(v) && v > 0) return symbolOf(v);
  if (Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isInteger(x) && x > 0))
    return v.map((x: number) => symbolOf(x));
  return v;
}

/** `value` as plain JSON data under the conventions above (a new value; the input is not changed). */
function jsonData(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>, (x) => jsonData(x));
  if (Array.isArray(value)) return value.map(jsonData);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === "function") continue;
    const key = k === "element" ? "species" : k;
    out[key] = SPECIES_KEYS.has(key) ? speciesValue(jsonData(v)) : jsonData(v);
  }
  return out;
}

/** The JSON text of `value` (jsonData), with a final newline; `indent` as JSON.stringify's (none: one line). */
export function jsonText(value: unknown, indent?: number): string {
  return `${JSON.stringify(jsonData(value), null, indent)}\n`;
}
