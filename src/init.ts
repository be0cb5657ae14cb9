/**
 * Initial parameters: seeded draws. Browser-safe (no node: imports); reading them from a JSON file is
 * in params-file.ts.
 */
import { createRng } from "./rng.ts";

/** MLP weight names are w{layer}_{unit}_{input}; their count per (layer, unit) is the unit's fan-in. */
const MLP_WEIGHT = /^w(\d+)_(\d+)_\d+$/;
const MLP_BIAS = /^b\d+_\d+$/;

/** Seed-style scale: the seed draws every parameter from a standard normal times 0.5. */
const SEED_STYLE_SCALE = 0.5;

/**
 * One scale per parameter. Models named in the MLP convention get LeCun-normal weights
 * (std 1/√fan-in, which keeps tanh units out of saturation for wide layers) and zero biases;
 * any other model gets the seed's standard normal × 0.5.
 */
export function initScales(paramNames: readonly string[]): Float64Array {
  const isMlp = paramNames.every((name) => MLP_WEIGHT.test(name) || MLP_BIAS.test(name));
  if (!isMlp) return new Float64Array(paramNames.length).fill(SEED_STYLE_SCALE);
  const fanIn = new Map<string, number>();
  for (const name of paramNames) {
    const unit = MLP_WEIGHT.exec(name);
    if (unit) fanIn.set(`${unit[1]}_${unit[2]}`, (fanIn.get(`${unit[1]}_${unit[2]}`) ?? 0) + 1);
  }
  return Float64Array.from(paramNames, (name) => {
    const unit = MLP_WEIGHT.exec(name);
    return unit ? 1 / Math.sqrt(fanIn.get(`${unit[1]}_${unit[2]}`)!) : 0;
  });
}

/** Seeded initial parameters, one standard normal draw per parameter in PARAM_NAMES order. */
export function randomParams(paramNames: readonly string[], seed: string | number): Float64Array {
  const rng = createRng(seed);
  const scales = initScales(paramNames);
  return Float64Array.from(scales, (scale) => scale * rng.normal());
}
