/**
 * Validation of a chemiscope input file (test/fixtures/chemiscope, see its README for the sources): the JSON Schema
 * through ajv, then a port of the cross-field checks of chemiscope's `validateDataset` (src/dataset.ts) and of its
 * Python `create_input` (sizes of names / x / y / z and cells, environment indices and cutoffs, one value per
 * environment or structure, one value type per property) and the documented rule that map axes name properties.
 * Returns the list of problems (empty when the file is valid).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Ajv } from "ajv";

const SCHEMA = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  "../fixtures/chemiscope/input.schema.json",
);

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, "utf8")));

interface Dataset {
  structures: {
    size: number;
    names?: unknown[];
    x?: unknown[];
    y?: unknown[];
    z?: unknown[];
    cell?: unknown[];
  }[];
  environments?: { structure: number; center: number; cutoff: number }[];
  properties: Record<string, { target: string; values: unknown[] }>;
  settings?: { map?: Record<string, { property?: string } | unknown> };
}

/** Problems of `data` as a chemiscope input file (empty: valid). */
export function chemiscopeProblems(data: unknown): string[] {
  if (!validateSchema(data))
    return (validateSchema.errors ?? []).map((e) => `schema: ${e.instancePath || "/"} ${e.message ?? ""}`);
  const d = data as Dataset;
  const out: string[] = [];
  d.structures.forEach((s, i) => {
    for (const key of ["names", "x", "y", "z"] as const) {
      const a = s[key];
      if (a && a.length !== s.size)
        out.push(`structure ${i}: '${key}' has ${a.length} entries, size is ${s.size}`);
    }
  });
  const nAtoms = d.structures.reduce((a, s) => a + s.size, 0);
  const envs = d.environments;
  envs?.forEach((e, i) => {
    const s = d.structures[e.structure];
    if (!s)
      out.push(
        `environment ${i}: structure ${e.structure} out of bounds (${d.structures.length} structures)`,
      );
    else if (e.center >= s.size)
      out.push(`environment ${i}: center ${e.center} out of bounds (${s.size} atoms)`);
  });
  const nEnv = envs ? envs.length : nAtoms;
  for (const [name, p] of Object.entries(d.properties)) {
    const want = p.target === "atom" ? nEnv : d.structures.length;
    if (p.values.length !== want) out.push(`property '${name}': ${p.values.length} values, expected ${want}`);
    const t = typeof p.values[0];
    if (p.values.some((v) => typeof v !== t)) out.push(`property '${name}': values of more than one type`);
    if (p.values.some((v) => typeof v === "number" && !Number.isFinite(v)))
      out.push(`property '${name}': a non-finite value`);
  }
  for (const [axis, setting] of Object.entries(d.settings?.map ?? {})) {
    const prop = (setting as { property?: string } | null)?.property;
    if (typeof prop === "string" && prop !== "" && !(prop in d.properties))
      out.push(`settings.map.${axis}: unknown property '${prop}'`);
  }
  return out;
}
