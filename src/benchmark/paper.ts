/**
 * Published numbers of Harper et al. 2025 (J. Mater. Chem. A, DOI 10.1039/d5ta05090a; shared/ANCHORS.md) for
 * ⁷Li in the DFT LTO-EFG database, 4:1 split, Box–Behnken + 5-fold CV. Only ⁷Li is reported in the main text
 * (⁴⁷Ti and ¹⁷O are in the SI, which we do not have). `null` = not reported.
 */
export interface PaperNumbers {
  cqTildeMae: number;
  cqTildeR: number;
  etaTildeMae: number;
  etaTildeR: number;
  /** degrees */
  thetaMae: number;
  thetaR: number | null;
  thetaMaeCorrected: number | null;
  phiMae: number;
  phiR: number | null;
  phiMaeCorrected: number | null;
  /** kHz; the scalar value is only given as "> 10 kHz" */
  wqMae: number | string;
}

export const PAPER_LABEL = "paper: DFT LTO-EFG";
export const OURS_LABEL = "ours: point-charge";

export const HARPER_LI: { tensorial: PaperNumbers; scalar: PaperNumbers } = {
  tensorial: {
    cqTildeMae: 0.06,
    cqTildeR: 1.0,
    etaTildeMae: 0.04,
    etaTildeR: 0.98,
    thetaMae: 8.6,
    thetaR: 0.82,
    thetaMaeCorrected: 3.4,
    phiMae: 13,
    phiR: 0.78,
    phiMaeCorrected: 2.9,
    wqMae: 4.7,
  },
  scalar: {
    cqTildeMae: 0.17,
    cqTildeR: 0.96,
    etaTildeMae: 0.14,
    etaTildeR: 0.84,
    thetaMae: 27,
    thetaR: 0.46,
    thetaMaeCorrected: null,
    phiMae: 43,
    phiR: 0.28,
    phiMaeCorrected: null,
    wqMae: "> 10",
  },
};

/** Paper: "predict full EFG tensors for the 11 000 Li sites within these 20 structures in under 24 hours on a single CPU". */
export const HARPER_LARGE_CELL_SECONDS = 24 * 3600;
