/**
 * Errors of the polar/azimuthal angles (θ, φ) of a principal axis, in Harper's ranges θ ∈ [0°, 180°],
 * φ ∈ [−90°, 90°] (see src/nmr/efg.ts). An axis is a line, not a vector: the representation (θ, φ) of the
 * axis v is unique except at the edge φ = ±90°, where (θ, 90°) and (180° − θ, −90°) are the same axis. Near that
 * edge two close axes can have φ values almost 180° apart and θ values mirrored, so the error is taken as the
 * smaller of the two readings of the predicted axis: (θp, φp) and its continuation across the edge
 * (180° − θp, φp ∓ 180°). θ on its own is periodic with period 180° for an axis only together with this φ jump,
 * which is why the two angles are handled as a pair.
 */

/** |Δθ|, |Δφ| (degrees) between a reference and a predicted axis given as Harper-range angles. */
export function axisAngleErrors(
  thetaRef: number,
  phiRef: number,
  thetaPred: number,
  phiPred: number,
): [number, number] {
  const d1t = Math.abs(thetaPred - thetaRef);
  const d1p = Math.abs(phiPred - phiRef);
  const phiAlt = phiPred >= 0 ? phiPred - 180 : phiPred + 180;
  const d2t = Math.abs(180 - thetaPred - thetaRef);
  const d2p = Math.abs(phiAlt - phiRef);
  return d1t + d1p <= d2t + d2p ? [d1t, d1p] : [d2t, d2p];
}

/** Angle between two axes (lines) in degrees, in [0°, 90°]. */
export function axisSeparation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d = Math.abs(a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!);
  const n = Math.hypot(a[0]!, a[1]!, a[2]!) * Math.hypot(b[0]!, b[1]!, b[2]!);
  return (Math.acos(Math.min(1, d / n)) * 180) / Math.PI;
}
