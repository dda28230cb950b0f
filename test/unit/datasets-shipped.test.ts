import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateLto, POINT_CHARGE_MODEL } from "../../src/datasets/lto.js";
import { formatExtxyz, parseExtxyz } from "../../src/io/extxyz.js";

const FILE = new URL("../../datasets/lto-pointcharge-small.extxyz", import.meta.url);

describe("shipped datasets/lto-pointcharge-small.extxyz", () => {
  const text = readFileSync(FILE, "utf8");

  it("is exactly what its documented command produces", () => {
    // datasets/README.md: soapgpr dataset lto --structures 240 --seed 2025 --precision 8 --out ...
    const { structures } = generateLto({ structures: 240, seed: 2025 });
    expect(formatExtxyz(structures, { precision: 8 }) === text).toBe(true);
  });

  it("holds 240 structures, 10 080 EFG tensors, labelled as a point-charge model", () => {
    const s = parseExtxyz(text);
    expect(s.length).toBe(240);
    expect(s.reduce((n, x) => n + x.length, 0)).toBe(10080);
    expect(s.every((x) => x.info.model === POINT_CHARGE_MODEL && x.numericArray("efg")?.ncols === 9)).toBe(
      true,
    );
    expect(text.length).toBeLessThan(2_000_000);
  });
});
