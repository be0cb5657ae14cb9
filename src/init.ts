/**
 * Initial parameters: seeded draws, or a JSON file keyed by parameter name.
 */
import { readFileSync } from "node:fs";
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

/**
 * Reads `{ "w11": 0.1, … }` and returns the values in PARAM_NAMES order. Every name must be present,
 * no other name may appear, and every value must be a finite number; errors list all offenders at once.
 */
export function readParamsFile(file: string, paramNames: readonly string[]): Float64Array {
  const parsed = parseJsonFile(file);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file}: expected a JSON object keyed by parameter name, like {"${paramNames[0]}": 0.1}`);
  }
  const values = parsed as Record<string, unknown>;
  const unknown = Object.keys(values).filter((name) => !paramNames.includes(name));
  const missing = paramNames.filter((name) => !(name in values));
  const problems: string[] = [];
  if (unknown.length) problems.push(`unknown parameter(s): ${unknown.join(", ")}`);
  if (missing.length) problems.push(`missing parameter(s): ${missing.join(", ")}`);
  const notNumbers = paramNames.filter((name) => name in values && !Number.isFinite(values[name]));
  if (notNumbers.length) problems.push(`not a finite number: ${notNumbers.join(", ")}`);
  if (problems.length) {
    throw new Error(`${file}: ${problems.join("; ")} (expected exactly: ${paramNames.join(", ")})`);
  }
  return Float64Array.from(paramNames, (name) => values[name] as number);
}

function parseJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`${file}: cannot read initial parameters (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: invalid JSON (${(error as Error).message})`);
  }
}
