/**
 * Initial parameters from a JSON file keyed by parameter name (Node only; the seeded draws are in init.ts).
 */
import { readFileSync } from "node:fs";

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
