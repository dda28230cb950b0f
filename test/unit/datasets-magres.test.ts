import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { listMagresFiles, loadMagresDataset } from "../../src/datasets/magres.js";

const DATA = fileURLToPath(new URL("../../../shared/data/magres/", import.meta.url));

describe("loadMagresDataset", () => {
  const ds = loadMagresDataset(`${DATA}gehlenite`, { target: "efg", species: ["Al", "O"] });

  it("loads the 40 gehlenite cells of 288 atoms with efg targets", () => {
    expect(ds.length).toBe(40);
    expect(ds.structures.every((s) => s.length === 288)).toBe(true);
    const t = ds.target("efg");
    expect(t.components).toBe(9);
    // species filter: 168 O + 48 Al per cell are targets, Ca and Si are masked
    const z = ds.structures[0]!.numbers;
    const m = t.masks[0]!;
    expect(m.reduce((s, x) => s + x, 0)).toBe(216);
    for (let i = 0; i < 288; i++) expect(m[i]).toBe(z[i] === 8 || z[i] === 13 ? 1 : 0);
    // values are the file's total efg (traceless to round-off)
    const v = t.values[0]!;
    expect(Math.abs(v[0]! + v[4]! + v[8]!)).toBeLessThan(1e-6);
    expect(ds.sources[0]).toMatch(/gehlenite\/low\/T1Si0a\.magres\.gz$/);
  });

  it("splits by structure with a seed, disjoint and reproducible", () => {
    const [a, b] = ds.split(0.8, 7);
    const [a2] = ds.split(0.8, 7);
    expect(a.length).toBe(32);
    expect(b.length).toBe(8);
    expect(a2.sources).toEqual(a.sources);
    expect(a.sources.some((s) => b.sources.includes(s))).toBe(false);
  });

  it("reads ms targets and reports files without the requested tensor", () => {
    const ms = loadMagresDataset([`${DATA}magresview/glycine.magres`], { target: "ms" });
    expect(ms.target("ms").values[0]!.length).toBe(9 * ms.structures[0]!.length);
    expect(() => loadMagresDataset(`${DATA}gehlenite/low`, { target: "ms" })).toThrow(/T1Si0a.*ms/);
    expect(() => loadMagresDataset(`${DATA}gehlenite`, { target: "xx" as "efg" })).toThrow(/target/);
    expect(listMagresFiles(`${DATA}gehlenite`, false)).toEqual([]);
  });
});
