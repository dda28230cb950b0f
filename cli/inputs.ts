/** Input checks and help text shared by the commands that read structure files. */
import type { Structure } from "../src/core/structure.js";
import { warn } from "../src/core/warnings.js";
import { inputName } from "../src/io/atomic.js";
import { checkPredictInput, modelSpecies, noCentresMessage } from "../src/gpr/inputs.js";
import type { Model } from "../src/model/types.js";
import { ExitCode } from "./main.js";

/** Help text for every option that reads structure files. */
export const STDIN_HELP =
  "; - reads standard input (the format is told from the content: extxyz, magres, CIF or Venetos JSON)";

/**
 * Before predicting: refuse species the model has not seen (naming file and frame), and when the inputs hold
 * no atom of the model's centre species warn `no Li atoms in FILE` and end with exit code 1 (nothing written).
 */
export function requireCentres(
  model: Model,
  structures: readonly Structure[],
  sources: readonly string[],
  inputs: readonly string[],
): void {
  const species = modelSpecies(model.serialize().header);
  if (checkPredictInput(species, structures, sources) > 0) return;
  warn(noCentresMessage(species, inputs.map(inputName)));
  throw new ExitCode(1);
}
