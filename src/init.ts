/**
 * Initial parameters: seeded draws, or a JSON file keyed by parameter name.
 */
import { readFileSync, statSync } from "node:fs";
import { visit } from "jsonc-parser";
import { printable } from "./printable.ts";
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
 * Reads `{ "w11": 0.1, … }` and returns the values in PARAM_NAMES order. Every name must be present
 * exactly once, no other name may appear, and every value must be a finite number; errors list the
 * offenders at once (the first 20 of each kind, then a count).
 */
export function readParamsFile(file: string, paramNames: readonly string[]): Float64Array {
  const json = text(file);
  const parsed = parseJson(file, json);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file}: expected a JSON object keyed by parameter name, like {"${paramNames[0]}": 0.1}`);
  }
  const values = parsed as Record<string, unknown>;
  const known = new Set(paramNames);
  const has = (name: string) => Object.hasOwn(values, name);
  const problems: [string, string[]][] = [
    ["duplicate key(s)", duplicateTopLevelKeys(json)],
    ["unknown parameter(s)", Object.keys(values).filter((name) => !known.has(name))],
    ["missing parameter(s)", paramNames.filter((name) => !has(name))],
    ["not a finite number", paramNames.filter((name) => has(name) && !Number.isFinite(values[name]))],
  ];
  const found = problems.filter(([, names]) => names.length > 0);
  if (found.length) {
    const described = found.map(([what, names]) => `${what}: ${capped(names)}`).join("; ");
    throw new Error(`${file}: ${described} (expected exactly: ${capped([...paramNames])})`);
  }
  return Float64Array.from(paramNames, (name) => values[name] as number);
}

/** At most the first 20 names, then how many more: an error must stay readable for 60,000 names. */
export function capped(names: string[], max = 20): string {
  const shown = names.slice(0, max).map((name) => (/^[\w.$-]+$/.test(name) ? name : JSON.stringify(name)));
  return names.length > max ? `${shown.join(", ")}, … and ${names.length - max} more` : shown.join(", ");
}

/**
 * Keys that appear more than once in the top-level object. JSON.parse keeps the last silently; the
 * jsonc-parser visitor sees every key as written (escapes decoded), so "w11" and "\u007711" collide.
 */
function duplicateTopLevelKeys(json: string): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  let depth = 0;
  visit(json, {
    onObjectBegin: () => void depth++,
    onObjectEnd: () => void depth--,
    onObjectProperty: (name) => {
      if (depth !== 1) return;
      if (seen.has(name)) repeated.add(name);
      seen.add(name);
    },
  });
  return [...repeated];
}

/** An init file is small: 256 MiB holds millions of parameters; anything larger, or not a file, is a mistake. */
const MAX_INIT_BYTES = 2 ** 28;

function text(file: string): string {
  try {
    const stats = statSync(file);
    if (!stats.isFile()) throw new Error(`${file}: not a regular file; expected a JSON file of initial parameters`);
    if (stats.size > MAX_INIT_BYTES)
      throw new Error(`${file}: ${stats.size} bytes is too large for initial parameters`);
    return readFileSync(file, "utf8");
  } catch (error) {
    if (!(error as NodeJS.ErrnoException).code) throw error;
    throw new Error(`${file}: cannot read initial parameters (${(error as NodeJS.ErrnoException).code})`);
  }
}

function parseJson(file: string, json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new Error(`${file}: invalid JSON (${printable((error as Error).message, 160)})`);
  }
}
