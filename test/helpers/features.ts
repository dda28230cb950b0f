import type { Rng } from "../../src/core/rng.js";
import type { EnvFeatures } from "../../src/soap/envKernel.js";

/** Random features of n environments (λ block n × c × f, λ=0 block n × f0 scaled to unit expected norm). */
export function randomFeatures(rng: Rng, n: number, lambda: number, f: number, f0: number): EnvFeatures {
  const c = 2 * lambda + 1;
  const values0 = Float64Array.from({ length: n * f0 }, () => rng.normal() / Math.sqrt(f0));
  const values = lambda === 0 ? values0 : Float64Array.from({ length: n * c * f }, () => rng.normal());
  return { n, lambda, c, f: lambda === 0 ? f0 : f, values, f0, values0 };
}
