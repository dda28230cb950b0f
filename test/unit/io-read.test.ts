import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { formatOf, readStructures } from "../../src/io/read.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = path.resolve(here, "../../../shared/data");
const fixtures = path.resolve(here, "../fixtures/io");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-io-read-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("readStructures", () => {
  it("dispatches on the extension and reports one source per structure", () => {
    const xyz = path.join(shared, "tensoap-ref/structures/rot0.xyz");
    const mag = path.join(shared, "magres/soprano/ethanol.magres");
    const cif = path.join(fixtures, "NaCl_rocksalt.cif");
    const { structures, sources } = readStructures([xyz, mag, cif]);
    // rot0.xyz holds 2 frames (count of header lines in the file)
    const nFrames = fs
      .readFileSync(xyz, "utf8")
      .split("\n")
      .filter((l) => l.includes("Properties=")).length;
    expect(structures.length).toBe(nFrames + 2);
    expect(sources).toEqual([...Array.from({ length: nFrames }, (_, k) => `${xyz}#${k}`), mag, cif]);
    expect(structures[nFrames]!.length).toBe(9);
    expect(structures[nFrames + 1]!.length).toBe(8);
  });

  it("expands a directory to its magres files sorted by name (gehlenite/orig: 19 cells of 288 atoms)", () => {
    const dir = path.join(shared, "magres/gehlenite/orig");
    const { structures, sources } = readStructures([dir]);
    const expected = fs
      .readdirSync(dir)
      .filter((n) => n.endsWith(".magres.gz"))
      .sort()
      .map((n) => path.join(dir, n));
    expect(sources).toEqual(expected);
    expect(structures.length).toBe(19);
    expect(structures.every((s) => s.length === 288)).toBe(true);
  });

  it("rejects unknown extensions and missing paths with an EngineError naming the file", () => {
    const f = path.join(tmp, "structure.pdb");
    fs.writeFileSync(f, "ATOM\n");
    expect(() => readStructures([f])).toThrow(EngineError);
    try {
      readStructures([f]);
    } catch (e) {
      expect((e as EngineError).file).toBe(f);
      expect((e as EngineError).message).toContain(f);
    }
    expect(() => readStructures([path.join(tmp, "nope.xyz")])).toThrow(/nope\.xyz/);
    expect(formatOf("a.magres.gz")).toBe("magres");
    expect(formatOf("a.EXTXYZ")).toBe("extxyz");
    expect(formatOf("a.json.gz")).toBe("venetos-json");
    expect(formatOf("a.pdb")).toBeUndefined();
  });
});
