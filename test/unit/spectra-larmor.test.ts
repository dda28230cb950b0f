import { describe, expect, it } from "vitest";
import { gyromagneticRatioMHzPerT, ISOTOPES, isotope, larmorFrequencyMHz } from "../../src/nmr/isotopes.js";

describe("gyromagnetic ratios (Harris et al. 2001 frequency ratios)", () => {
  it("every isotope of the table has one", () => {
    for (const iso of ISOTOPES) expect(Number.isFinite(gyromagneticRatioMHzPerT(iso))).toBe(true);
  });

  it("γ/2π matches NIST/CODATA nuclear magnetic moments: |γ|/2π = |μ|/(I·h) · μN", () => {
    // μ/μN from N. J. Stone, At. Data Nucl. Data Tables 90, 75 (2005); μN/h = 7.6225932 MHz/T (CODATA 2018).
    // Ξ refers to nuclei in compounds, μ to bare nuclei: they differ by the atom's diamagnetic shielding, which
    // grows with Z (≈ 2·10⁻⁴ for C, 1.5·10⁻³ for Ca), so 2·10⁻³ relative; the sign of γ must agree exactly.
    const muN = 7.6225932;
    const moments: [string, number][] = [
      ["2H", 0.857438],
      ["7Li", 3.256427],
      ["13C", 0.702412],
      ["17O", -1.89379],
      ["23Na", 2.21752],
      ["27Al", 3.641507],
      ["29Si", -0.55529],
      ["43Ca", -1.317643],
    ];
    for (const [name, mu] of moments) {
      const iso = isotope(name);
      const gamma = (mu * muN) / iso.spin;
      expect(Math.abs(gyromagneticRatioMHzPerT(iso) / gamma - 1)).toBeLessThan(2e-3);
    }
  });

  it("Larmor frequency at 9.4 T: |γ|/2π · B0", () => {
    expect(larmorFrequencyMHz(isotope("1H"), 9.4)).toBeCloseTo(400.2283, 3);
    // a "400 MHz" magnet is 9.4 T; 29Si has a negative γ but a positive Larmor frequency
    expect(larmorFrequencyMHz(isotope("29Si"), 9.4)).toBeCloseTo(0.19867187 * 400.2283, 3);
  });
});
