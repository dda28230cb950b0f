import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { Structure } from "../../src/core/structure.js";
import { readTextMaybeGz, writeFileAtomic } from "../../src/io/atomic.js";
import { formatExtxyz, iterExtxyz, parseExtxyz, readExtxyz, writeExtxyz } from "../../src/io/extxyz.js";
import { FileLines } from "../../src/io/_text.js";
import { readMagres } from "../../src/io/magres.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, "../../../shared/data");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-io-extxyz-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Expect an EngineError whose message names file, line and field. */
function expectError(fn: () => unknown, file: string, line: number, field: string | RegExp): EngineError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EngineError);
  const e = err as EngineError;
  expect(e.file).toBe(file);
  expect(e.line).toBe(line);
  if (typeof field === "string") expect(e.field).toBe(field);
  else expect(e.field).toMatch(field);
  expect(e.message).toContain(file);
  expect(e.message).toContain(`line ${line}`);
  expect(e.message).toContain(`field '${e.field}'`);
  return e;
}

const ASE_STYLE = [
  "3",
  'Lattice="5.0 0.0 0.0 1.0 6.0 0.0 0.5 0.5 7.0" Properties=species:S:1:pos:R:3:efg:R:9:kind:I:1:fixed:L:1 ' +
    'energy=-12.5 name="point-charge model, not DFT" flag=T n=7 vec="1 2 3" bools="T F T" ' +
    'calc_pspot=["O 2|1.1", "Ti 3|2.0"] nested={"a":1} bare pbc="T T F"',
  "O   0.1 0.2 0.3   1 2 3 2 5 6 3 6 -6   0 T",
  "Ti  1.0 2.0 3.0   -1e-3 0 0 0 2.5D-1 0 0 0 -0.249   1 F",
  "Li  4.0 5.0 6.5   0 0 0 0 0 0 0 0 0   2 T",
  "",
].join("\n");

describe("extxyz reader", () => {
  it("reads lattice, pbc, typed columns and info values as ASE writes them", () => {
    const [s] = parseExtxyz(ASE_STYLE, "ase.extxyz");
    expect(s).toBeDefined();
    const st = s!;
    expect(Array.from(st.numbers)).toEqual([8, 22, 3]);
    expect(Array.from(st.cell!)).toEqual([5, 0, 0, 1, 6, 0, 0.5, 0.5, 7]);
    expect(st.pbc).toEqual([true, true, false]);
    expect(Array.from(st.positions.subarray(3, 6))).toEqual([1, 2, 3]);
    const efg = st.arrays.get("efg")!;
    expect(efg.ncols).toBe(9);
    expect(efg.data).toBeInstanceOf(Float64Array);
    // row-major: the O row "1 2 3 2 5 6 3 6 -6"; Fortran D exponent on the Ti row
    expect(Array.from((efg.data as Float64Array).subarray(0, 9))).toEqual([1, 2, 3, 2, 5, 6, 3, 6, -6]);
    expect((efg.data as Float64Array)[9]).toBe(-1e-3);
    expect((efg.data as Float64Array)[13]).toBe(0.25);
    expect(Array.from(st.arrays.get("kind")!.data as Int32Array)).toEqual([0, 1, 2]);
    expect(st.arrays.get("fixed")!.data).toEqual(["T", "F", "T"]);
    expect(st.info).toEqual({
      energy: -12.5,
      name: "point-charge model, not DFT",
      flag: true,
      n: 7,
      vec: [1, 2, 3],
      bools: [true, false, true],
      calc_pspot: ["O 2|1.1", "Ti 3|2.0"],
      nested: { a: 1 },
      bare: true,
    });
  });

  it("reads the tensoap reference structures (numbers checked against the file text)", () => {
    const file = path.join(shared, "tensoap-ref/structures/bench.xyz");
    const frames = readExtxyz(file);
    const text = fs.readFileSync(file, "utf8").split("\n");
    // independent count: frames = number of header lines containing Properties=
    expect(frames.length).toBe(text.filter((l) => l.includes("Properties=")).length);
    const first = frames[0]!;
    expect(first.length).toBe(Number(text[0]));
    const atomLine = text[4]!.trim().split(/\s+/); // third atom of frame 1 (lines: count, header, atoms)
    expect(first.symbols()[2]).toBe(atomLine[0]);
    expect(first.positions[6]).toBe(Number(atomLine[1]));
    const efg = first.numericArray("efg")!;
    for (let k = 0; k < 9; k++) expect(efg.data[18 + k]).toBe(Number(atomLine[4 + k]));
    // last frame, last atom
    const last = frames[frames.length - 1]!;
    const lastLine = text
      .filter((l) => l.trim() !== "")
      .at(-1)!
      .trim()
      .split(/\s+/);
    expect(last.positions[3 * (last.length - 1) + 2]).toBe(Number(lastLine[3]));
  });

  it("accepts a Z column and species given as labels", () => {
    const t = '2\nProperties=Z:I:1:pos:R:3 pbc="F F F"\n3 0 0 0\n8 1 0 0\n';
    expect(Array.from(parseExtxyz(t)[0]!.numbers)).toEqual([3, 8]);
    const u = '2\nProperties=species:S:1:pos:R:3 pbc="F F F"\nLi1 0 0 0\nO12 1 0 0\n';
    const s = parseExtxyz(u)[0]!;
    expect(Array.from(s.numbers)).toEqual([3, 8]);
    expect(s.labels).toEqual(["Li1", "O12"]);
  });

  it("refuses species tokens that only start with a lower-case letter ('nan', 'inf') instead of reading N, I", () => {
    // before: the one-letter label fallback read "nan" as N, "inf" as I and "constructor" as C without a word
    for (const [k, tok] of ["nan", "inf", "constructor"].entries()) {
      const t = `2\nProperties=species:S:1:pos:R:3 pbc="F F F"\nLi 0 0 0\n${tok} 1 0 0\n`;
      expect(() => parseExtxyz(t, `f${k}.xyz`)).toThrow(
        `f${k}.xyz, line 4, field 'species': unknown species '${tok}'`,
      );
    }
    const u = '2\nProperties=species:S:1:pos:R:3 pbc="F F F"\nOb1 0 0 0\nli 1 0 0\n';
    expect(Array.from(parseExtxyz(u)[0]!.numbers)).toEqual([8, 3]);
  });

  it("reads a plain XYZ comment line as info.comment with default columns", () => {
    const s = parseExtxyz("1\nwater fragment\nH 0 0 0\n")[0]!;
    expect(s.info).toEqual({ comment: "water fragment" });
    expect(s.cell).toBeNull();
    expect(s.pbc).toEqual([false, false, false]);
  });

  it("streams the 1512-atom LTO cell frame by frame, identical to the whole-file read", () => {
    const file = path.join(shared, "peers/lto1512_rattled.extxyz");
    const whole = parseExtxyz(fs.readFileSync(file, "utf8"), file);
    const streamed = [...iterExtxyz(file)];
    expect(streamed.length).toBe(whole.length);
    expect(streamed[0]!.length).toBe(1512);
    expect(streamed[0]!.positions).toEqual(whole[0]!.positions);
    expect(streamed[0]!.cell).toEqual(whole[0]!.cell);
  });

  it("chunked line reader gives the same lines as split, for tiny chunks and multi-byte characters", () => {
    const f = path.join(tmp, "lines.txt");
    const text = "αβγ line one\r\nsecond ü line\n\nlast without newline é";
    fs.writeFileSync(f, text);
    for (const chunk of [1, 2, 3, 7, 1024]) {
      const src = new FileLines(f, chunk);
      const got: string[] = [];
      for (let l = src.next(); l !== undefined; l = src.next()) got.push(l);
      src.close();
      expect(got).toEqual(["αβγ line one", "second ü line", "", "last without newline é"]);
      expect(src.lineNumber).toBe(4);
    }
  });

  it("reads gzip-compressed extxyz", async () => {
    const { gzipSync } = await import("node:zlib");
    const f = path.join(tmp, "frames.xyz.gz");
    fs.writeFileSync(f, gzipSync(ASE_STYLE));
    expect(readExtxyz(f)[0]!.arrays.get("efg")!.ncols).toBe(9);
    expect(readTextMaybeGz(f)).toBe(ASE_STYLE);
  });
});

describe("extxyz writer", () => {
  it("round-trips float64 exactly, info, arrays, labels and pbc over multiple frames", () => {
    const a = new Structure({
      numbers: [3, 22, 8],
      positions: [0.1, 0.2, 0.30000000000000004, 1 / 3, 2 / 3, -1e-300, 5e-324, 1e300, Math.PI],
      cell: [8.357, 0, 0, 0.1, 8.357, 0, 0, 0, 8.357],
      pbc: [true, true, true],
      labels: ["Li1", "Ti1", "O1"],
      arrays: {
        efg: { ncols: 9, data: Float64Array.from({ length: 27 }, (_, i) => Math.sin(i) / 7) },
        site: { ncols: 1, data: Int32Array.from([8, 16, 32]) },
        wyckoff: { ncols: 1, data: ["8a", "16d", "32e"] },
      },
      info: { energy: -1.2345678901234567, model: "point-charge, formal charges", n: 3, ok: false },
    });
    const b = new Structure({ numbers: [1], positions: [0, 0, 0], info: { comment: "cluster" } });
    const text = formatExtxyz([a, b], { header: { source: "unit test" } });
    const [a2, b2] = parseExtxyz(text, "rt.extxyz");
    expect(a2!.positions).toEqual(a.positions);
    expect(a2!.cell).toEqual(a.cell);
    expect(a2!.numbers).toEqual(a.numbers);
    expect(a2!.labels).toEqual(a.labels);
    expect(a2!.pbc).toEqual(a.pbc);
    expect(a2!.arrays.get("efg")!.data).toEqual(a.arrays.get("efg")!.data);
    expect(a2!.arrays.get("site")!.data).toEqual(a.arrays.get("site")!.data);
    expect(a2!.arrays.get("wyckoff")!.data).toEqual(["8a", "16d", "32e"]);
    expect(a2!.info).toEqual({ ...a.info, source: "unit test" });
    expect(b2!.cell).toBeNull();
    expect(b2!.pbc).toEqual([false, false, false]);
    expect(b2!.info).toEqual({ comment: "cluster", source: "unit test" });
    // and the text itself follows the ASE header conventions
    const header = text.split("\n")[1]!;
    expect(header).toMatch(/^Lattice="8\.357 0 0 0\.1 8\.357 0 0 0 8\.357" /);
    expect(header).toContain("Properties=species:S:1:pos:R:3:label:S:1:efg:R:9:site:I:1:wyckoff:S:1");
    expect(header).toContain('pbc="T T T"');
    expect(header).toContain('model="point-charge, formal charges"');
  });

  it("carries a magres structure (labels, NaN-free tensors, nested info) through extxyz unchanged", () => {
    const src = readMagres(path.join(shared, "magres/soprano/ethanol.magres"));
    const [back] = parseExtxyz(formatExtxyz([src]), "ethanol.extxyz");
    expect(back!.labels).toEqual(src.labels);
    for (const k of ["ms", "efg", "efg_local", "efg_nonlocal"]) {
      expect(back!.arrays.get(k)!.data).toEqual(src.arrays.get(k)!.data);
    }
    expect(back!.arrays.get("magres_index")!.data).toEqual(src.arrays.get("magres_index")!.data);
    expect(back!.info).toEqual(src.info);
  });

  it("honours a precision option", () => {
    const s = new Structure({ numbers: [1], positions: [1 / 3, 0, 0] });
    expect(formatExtxyz([s], { precision: 6 }).split("\n")[2]).toBe("H 0.333333 0 0");
    expect(() => formatExtxyz([s], { precision: 0 })).toThrow(EngineError);
  });

  it("refuses NaN in arrays unless allowed, and the reader mirrors that", () => {
    const s = new Structure({
      numbers: [1],
      positions: [0, 0, 0],
      arrays: { q: { ncols: 1, data: Float64Array.from([Number.NaN]) } },
    });
    expect(() => formatExtxyz([s])).toThrow(/non-finite/);
    const t = formatExtxyz([s], { allowNonFinite: true });
    expect(() => parseExtxyz(t)).toThrow(EngineError);
    expect(Number.isNaN(parseExtxyz(t, "x", { allowNonFinite: true })[0]!.arrays.get("q")!.data[0])).toBe(
      true,
    );
  });

  it("writes atomically: the file appears complete and no temp file is left", () => {
    const s = parseExtxyz(ASE_STYLE)[0]!;
    const f = path.join(tmp, "out.extxyz");
    fs.writeFileSync(f, "old content");
    writeExtxyz(f, [s, s]);
    expect(readExtxyz(f).length).toBe(2);
    expect(fs.readdirSync(tmp).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    // failure: target is a directory → EngineError and no temp file left behind
    const d = path.join(tmp, "adir");
    fs.mkdirSync(d);
    expect(() => writeFileAtomic(d, "x")).toThrow(EngineError);
    expect(fs.readdirSync(tmp).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});

describe("extxyz bad input", () => {
  const hdr = 'Lattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3:efg:R:9 pbc="T T T"';
  const row = "O 0 0 0 1 0 0 0 1 0 0 0 -2";
  it("truncated frame", () => {
    expectError(() => parseExtxyz(`3\n${hdr}\n${row}\n${row}\n`, "t.xyz"), "t.xyz", 5, "atom 3");
    expectError(() => parseExtxyz("2\n", "t.xyz"), "t.xyz", 2, "comment");
  });
  it("wrong column count", () => {
    expectError(() => parseExtxyz(`2\n${hdr}\n${row}\nO 0 0 0 1 2\n`, "c.xyz"), "c.xyz", 4, "atom 2");
  });
  it("non-numeric field", () => {
    const bad = "O 0 0 0 1 0 0 0 x1 0 0 0 -2";
    expectError(() => parseExtxyz(`1\n${hdr}\n${bad}\n`, "n.xyz"), "n.xyz", 3, "efg[4]");
    expectError(
      () => parseExtxyz(`1\n${hdr}\nO 0 zero 0 1 0 0 0 1 0 0 0 -2\n`, "n.xyz"),
      "n.xyz",
      3,
      "pos[1]",
    );
    expectError(() => parseExtxyz(`two\n${hdr}\n`, "n.xyz"), "n.xyz", 1, "natoms");
    expectError(
      () => parseExtxyz(`1\n${hdr}\nXx 0 0 0 1 0 0 0 1 0 0 0 -2\n`, "n.xyz"),
      "n.xyz",
      3,
      "species",
    );
  });
  it("NaN / Inf values", () => {
    const nan = "O 0 0 0 1 0 0 0 NaN 0 0 0 -2";
    expectError(() => parseExtxyz(`1\n${hdr}\n${nan}\n`, "f.xyz"), "f.xyz", 3, "efg[4]");
    expectError(
      () => parseExtxyz(`1\n${hdr}\nO 0 0 -inf 1 0 0 0 1 0 0 0 -2\n`, "f.xyz"),
      "f.xyz",
      3,
      "pos[2]",
    );
    expectError(
      () => parseExtxyz(`1\n${hdr}\nO 0 0 1e999 1 0 0 0 1 0 0 0 -2\n`, "f.xyz"),
      "f.xyz",
      3,
      "pos[2]",
    );
    const lat = hdr.replace('"4 0 0', '"nan 0 0');
    expectError(() => parseExtxyz(`1\n${lat}\n${row}\n`, "f.xyz"), "f.xyz", 2, "Lattice");
  });
  it("missing lattice for a periodic request", () => {
    expectError(
      () => parseExtxyz('1\nProperties=species:S:1:pos:R:3 pbc="T T T"\nO 0 0 0\n', "p.xyz"),
      "p.xyz",
      2,
      "pbc",
    );
  });
  it("malformed header", () => {
    expectError(
      () => parseExtxyz("1\nProperties=species:S:1:pos:X:3\nO 0 0 0\n", "h.xyz"),
      "h.xyz",
      2,
      "Properties",
    );
    expectError(() => parseExtxyz('1\nLattice="1 0 0 0 1 0 0 0"\nO 0 0 0\n', "h.xyz"), "h.xyz", 2, "Lattice");
    expectError(() => parseExtxyz('1\nname="unterminated\nO 0 0 0\n', "h.xyz"), "h.xyz", 2, "comment");
  });
  it("reports the real line number when streaming a file with an error in a later frame", () => {
    const f = path.join(tmp, "bad-later.xyz");
    fs.writeFileSync(f, `1\n${hdr}\n${row}\n1\n${hdr}\nO 0 0 0 1 0 0 0 1 0 0 0\n`);
    const it = iterExtxyz(f);
    expect(it.next().done).toBe(false);
    expectError(() => it.next(), f, 6, "atom 1");
  });
});
