/**
 * Initial parameters from a JSON file keyed by parameter name (Node only; the seeded draws are in init.ts,
 * which the browser playground imports).
 */
import { readFileSync, statSync } from "node:fs";
import { visit } from "jsonc-parser";
import { printable } from "./printable.ts";

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
