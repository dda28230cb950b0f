import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { readStructures } from "../../src/io/read.js";
import { parseVenetosJson } from "../../src/io/venetos.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const file = path.resolve(here, "../../../shared/data/magres/venetos_si_ms/si_nmr_data.json.gz");

describe("Venetos et al. 2023 29Si shielding dataset", () => {
  const { structures, sources } = readStructures([file]);
  it("has 421 structures and 1335 Si tensors (as stated in SOURCES.md and the paper)", () => {
    expect(structures.length).toBe(421);
    expect(sources[420]).toBe(`${file}#420`);
    let count = 0;
    for (const s of structures) {
      const ms = s.numericArray("ms")!.data;
      for (let i = 0; i < s.length; i++) {
        if (Number.isNaN(ms[9 * i])) continue;
        count++;
        expect(s.numbers[i]).toBe(14);
      }
    }
    expect(count).toBe(1335);
  });

  it("tensors, σ_iso and positions agree with the raw JSON; tr(σ)/3 = σ_iso", () => {
    const raw = JSON.parse(gunzipSync(fs.readFileSync(file)).toString("utf8"));
    const s = structures[0]!;
    const sel: boolean[] = raw.atom_selector["0"];
    const first = sel.indexOf(true);
    expect(Array.from(s.numericArray("ms")!.data.subarray(9 * first, 9 * first + 9))).toEqual(
      raw.nmr_tensor["0"][0].flat(),
    );
    expect(Array.from(s.positions.subarray(0, 3))).toEqual(raw.structure["0"].sites[0].xyz);
    let worst = 0;
    for (const st of structures) {
      const ms = st.numericArray("ms")!.data;
      const iso = st.numericArray("sigma_iso")!.data;
      for (let i = 0; i < st.length; i++) {
        if (Number.isNaN(iso[i])) continue;
        worst = Math.max(worst, Math.abs((ms[9 * i]! + ms[9 * i + 4]! + ms[9 * i + 8]!) / 3 - iso[i]!));
      }
    }
    // σ_iso is stored with ~10 significant digits in the JSON
    expect(worst).toBeLessThan(1e-8);
  });

  it("rejects JSON of another shape with an EngineError naming the field", () => {
    expect(() => parseVenetosJson('{"structure": {}}', "x.json")).toThrow(EngineError);
    expect(() => parseVenetosJson("{not json", "x.json")).toThrow(/x\.json.*invalid JSON/);
  });
});
