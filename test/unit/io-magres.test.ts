import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { formatMagres, parseMagres, readMagres, writeMagres } from "../../src/io/magres.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const magresDir = path.resolve(here, "../../../shared/data/magres");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-io-magres-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function listMagres(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listMagres(p));
    else if (/\.magres(\.gz)?$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

function rawText(file: string): string {
  const b = fs.readFileSync(file);
  return file.endsWith(".gz") ? gunzipSync(b).toString("utf8") : b.toString("utf8");
}

/** Records of the file as whitespace-split token lists (an independent, naive reading of the text). */
function records(file: string, key: string): string[][] {
  return rawText(file)
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((t) => t[0] === key);
}

function expectError(fn: () => unknown, file: string, line: number, field: string): EngineError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EngineError);
  const e = err as EngineError;
  expect({ file: e.file, line: e.line, field: e.field }).toEqual({ file, line, field });
  expect(e.message).toContain(`${file}, line ${line}, field '${field}'`);
  return e;
}

const files = listMagres(magresDir);

describe("magres reader on every shared file", () => {
  it("finds the shared files (59 magres incl. 40 gehlenite .gz)", () => {
    // SOURCES.md lists 19 plain .magres files and 40 gehlenite cells
    expect(files.length).toBe(59);
    expect(files.filter((f) => f.endsWith(".gz")).length).toBe(40);
  });

  it.each(files.map((f) => [path.relative(magresDir, f), f]))("%s loads and matches its text", (_, file) => {
    const s = readMagres(file);
    const atomRecs = records(file, "atom");
    const tensorKeys = ["ms", "efg", "efg_local", "efg_nonlocal"];
    if (atomRecs.length > 0) {
      expect(s.length).toBe(atomRecs.length);
      expect(s.info["positionsMissing"]).toBeUndefined();
      // first and last atom: species, label, index and position exactly as written
      for (const k of [0, atomRecs.length - 1]) {
        const r = atomRecs[k]!;
        expect(s.symbols()[k]).toBe(r[1]);
        expect(s.labels![k]).toBe(r[2]);
        expect(s.arrays.get("magres_index")!.data[k]).toBe(Number(r[3]));
        expect(Array.from(s.positions.subarray(3 * k, 3 * k + 3))).toEqual(r.slice(4, 7).map(Number));
      }
    } else {
      const keys = new Set(tensorKeys.flatMap((k) => records(file, k).map((r) => `${r[1]} ${r[2]}`)));
      expect(s.length).toBe(keys.size);
      expect(s.info["positionsMissing"]).toBe(true);
    }
    const lat = records(file, "lattice");
    if (lat.length > 0) expect(Array.from(s.cell!)).toEqual(lat[0]!.slice(1).map(Number));
    else expect(s.cell).toBeNull();
    for (const key of tensorKeys) {
      const recs = records(file, key);
      const a = s.numericArray(key);
      if (recs.length === 0) {
        expect(a).toBeUndefined();
        continue;
      }
      expect(a!.ncols).toBe(9);
      let known = 0;
      for (let i = 0; i < s.length; i++) if (!Number.isNaN(a!.data[9 * i])) known++;
      expect(known).toBe(recs.length);
      // the last record of this key: find its atom by (label or species, index) and compare all 9 values
      const r = recs[recs.length - 1]!;
      const idx = s.arrays.get("magres_index")!.data as Int32Array;
      const hits: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (idx[i] === Number(r[2]) && (s.labels![i] === r[1] || s.symbols()[i] === r[1])) hits.push(i);
      }
      expect(hits.length).toBeGreaterThanOrEqual(1);
      const i = hits.find((h) => s.labels![h] === r[1]) ?? hits[0]!;
      expect(Array.from(a!.data.subarray(9 * i, 9 * i + 9))).toEqual(r.slice(3, 12).map(Number));
    }
  });

  it("gehlenite cells have 288 atoms: O168 Al48 Si24 Ca48, all with efg, efg_local, efg_nonlocal", () => {
    const s = readMagres(path.join(magresDir, "gehlenite/orig/T1Si0.magres.gz"));
    expect(s.length).toBe(288);
    const count = (z: number) => s.numbers.filter((x) => x === z).length;
    expect([count(8), count(13), count(14), count(20)]).toEqual([168, 48, 24, 48]);
    for (const k of ["efg", "efg_local", "efg_nonlocal"]) {
      expect(s.numericArray(k)!.data.every(Number.isFinite)).toBe(true);
    }
    expect(s.info["units"]).toEqual({ lattice: "Angstrom", atom: "Angstrom", efg: "au" });
  });

  it("ethanol (nomad): custom labels H1/H2 with per-species indices; J-couplings kept in info", () => {
    const file = path.join(magresDir, "nomad-parser-magres/ethanol_nmr.magres");
    const s = readMagres(file);
    expect(s.labels).toEqual(["H1", "H1", "H1", "H2", "H2", "H2", "C1", "C2", "O1"]);
    expect(Array.from(s.arrays.get("magres_index")!.data as Int32Array)).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 1]);
    const ms4 = records(file, "ms").find((r) => r[1] === "H2" && r[2] === "4")!;
    // atom 3 (0-based) is `atom H H2 4`
    expect(Array.from(s.numericArray("ms")!.data.subarray(27, 36))).toEqual(ms4.slice(3).map(Number));
    const e = readMagres(path.join(magresDir, "soprano/ethanol.magres"));
    expect(e.info["units"]).toMatchObject({ ms: "ppm", efg: "au", calc_cutoffenergy: "Hartree" });
    expect(e.info["calc_code"]).toBe("CASTEP");
    // 81 J-coupling pairs per isc kind (9 x 9 atoms), kept in info
    expect((e.info["isc"] as unknown[]).length).toBe(81);
  });

  it("falls back to (species, index) when tensor lines do not use the custom labels", () => {
    const t = `#$magres-abinitio-v1.0
[atoms]
atom H H1 1 0 0 0
atom H H2 2 1 0 0
[/atoms]
[magres]
ms H 2 1 2 3 4 5 6 7 8 9
[/magres]
`;
    const s = parseMagres(t, "fallback.magres");
    expect(Array.from(s.numericArray("ms")!.data.subarray(9, 18))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Number.isNaN(s.numericArray("ms")!.data[0])).toBe(true);
  });

  it("QE-GIPAW numbers atoms globally; <block> syntax; global sus tensor", () => {
    const s = readMagres(path.join(magresDir, "qe-gipaw/urea_urea.nmr.magres"));
    expect(Array.from(s.arrays.get("magres_index")!.data as Int32Array)).toEqual(
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
    const sus = records(path.join(magresDir, "qe-gipaw/urea_urea.nmr.magres"), "sus")[0]!;
    expect(s.info["sus"]).toEqual(sus.slice(1).map(Number));
  });

  it("keeps calc_pspot as an array of strings (one or many lines)", () => {
    const a = readMagres(path.join(magresDir, "alpha-Al2O3/Al2O3_PBEsol.magres"));
    expect(a.info["calc_pspot"]).toEqual(
      records(path.join(magresDir, "alpha-Al2O3/Al2O3_PBEsol.magres"), "calc_pspot").map((r) =>
        r.slice(1).join(" "),
      ),
    );
    expect((a.info["calc_pspot"] as string[]).length).toBe(2);
    const si = readMagres(path.join(magresDir, "nomad-parser-magres/silicon.magres"));
    expect(Array.isArray(si.info["calc_pspot"])).toBe(true);
    expect((si.info["calc_pspot"] as string[]).length).toBe(1);
  });
});

const SMALL = `#$magres-abinitio-v1.0
[atoms]
lattice 4 0 0 0 4 0 0 0 4
atom Li Li 1 0 0 0
atom O O 1 2 2 2
units lattice Bohr
units atom Bohr
[/atoms]
<magres>
efg O 1 1 0 0 0 1 0 0 0 -2  # inline comment
units efg au
</magres>
`;

describe("magres details", () => {
  it("applies units lines that come after the data (Bohr → Å) and masks atoms without a value", () => {
    const s = parseMagres(SMALL, "small.magres");
    const b = 0.529177210903; // CODATA 2018 Bohr radius in Å
    expect(s.cell![0]).toBeCloseTo(4 * b, 14);
    expect(s.positions[3]).toBeCloseTo(2 * b, 14);
    expect(s.info["units"]).toEqual({ lattice: "Angstrom", atom: "Angstrom", efg: "au" });
    const efg = s.numericArray("efg")!.data;
    expect(Number.isNaN(efg[0])).toBe(true); // Li has no efg line
    expect(Array.from(efg.subarray(9, 18))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, -2]);
  });

  it("round-trips predictions through formatMagres / writeMagres", () => {
    const src = readMagres(path.join(magresDir, "soprano/ethanol.magres"));
    const f = path.join(tmp, "pred.magres");
    writeMagres(f, src, ["ms", "efg"], { comments: ["predicted by soapgpr, not DFT"] });
    const back = readMagres(f);
    expect(back.positions).toEqual(src.positions);
    expect(back.cell).toEqual(src.cell);
    expect(back.labels).toEqual(src.labels);
    expect(back.numericArray("ms")!.data).toEqual(src.numericArray("ms")!.data);
    expect(back.numericArray("efg")!.data).toEqual(src.numericArray("efg")!.data);
    expect(back.info["units"]).toEqual({ lattice: "Angstrom", atom: "Angstrom", ms: "ppm", efg: "au" });
    expect(fs.readFileSync(f, "utf8")).toContain("# predicted by soapgpr, not DFT");
    // masked atoms (NaN) are left out
    const masked = parseMagres(formatMagres(parseMagres(SMALL, "s"), ["efg"]), "m");
    expect(Number.isNaN(masked.numericArray("efg")!.data[0])).toBe(true);
    expect(() => formatMagres(src, ["isc"])).toThrow(EngineError);
  });
});

describe("magres bad input", () => {
  const head =
    "#$magres-abinitio-v1.0\n[atoms]\nunits atom Angstrom\natom O O 1 0 0 0\natom O O 2 1 0 0\n[/atoms]\n";
  it("unknown unit for a known quantity", () => {
    expectError(
      () => parseMagres(`${head}[magres]\nunits efg MHz\n[/magres]\n`, "u.magres"),
      "u.magres",
      8,
      "efg",
    );
    expectError(() => parseMagres(`${head.replace("Angstrom", "nm")}`, "u.magres"), "u.magres", 3, "atom");
  });
  it("a species that is a lower-case word, not an element label", () => {
    // before: "nan" was read as N through the one-letter label fallback
    expectError(
      () => parseMagres(head.replace("atom O O 2", "atom nan nan 2"), "w.magres"),
      "w.magres",
      5,
      "species",
    );
  });
  it("duplicate atom keys", () => {
    expectError(() => parseMagres(head.replace("O O 2", "O O 1"), "d.magres"), "d.magres", 5, "atom");
    const ms = "ms O 1 1 0 0 0 1 0 0 0 1";
    expectError(
      () => parseMagres(`${head}[magres]\n${ms}\n${ms}\n[/magres]\n`, "d.magres"),
      "d.magres",
      9,
      "ms",
    );
  });
  it("wrong column count", () => {
    expectError(
      () => parseMagres(`${head}[magres]\nefg O 1 1 0 0 0 1 0 0 0\n[/magres]\n`, "c.magres"),
      "c.magres",
      8,
      "efg",
    );
    expectError(
      () => parseMagres(head.replace("O O 2 1 0 0", "O O 2 1 0"), "c.magres"),
      "c.magres",
      5,
      "atom",
    );
  });
  it("non-numeric and non-finite fields", () => {
    expectError(
      () => parseMagres(`${head}[magres]\nefg O 1 1 0 0 0 one 0 0 0 -1\n[/magres]\n`, "n.magres"),
      "n.magres",
      8,
      "efg[4]",
    );
    expectError(
      () => parseMagres(`${head}[magres]\nefg O 1 1 0 0 0 NaN 0 0 0 -1\n[/magres]\n`, "n.magres"),
      "n.magres",
      8,
      "efg[4]",
    );
    expectError(
      () => parseMagres(head.replace("O O 2 1 0 0", "O O 2 1 inf 0"), "n.magres"),
      "n.magres",
      5,
      "y",
    );
  });
  it("truncated file and mismatched blocks", () => {
    expectError(
      () => parseMagres(`${head}[magres]\nefg O 1 1 0 0 0 1 0 0 0 -2\n`, "t.magres"),
      "t.magres",
      9,
      "magres",
    );
    expectError(() => parseMagres(head.replace("[/atoms]", "[/magres]"), "t.magres"), "t.magres", 6, "atoms");
    expectError(() => parseMagres("atom O O 1 0 0 0\n", "t.magres"), "t.magres", 1, "block");
  });
  it("tensor for an atom that does not exist", () => {
    expectError(
      () => parseMagres(`${head}[magres]\nms O 3 1 0 0 0 1 0 0 0 1\n[/magres]\n`, "x.magres"),
      "x.magres",
      8,
      "ms",
    );
  });
});
