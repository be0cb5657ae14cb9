/**
 * TypeScript spelling of one scheduled assignment, given its operands already spelled (names or
 * numbers). One row per op; prettier takes care of spacing and parentheses it can drop.
 */
import type { Op } from "../symbolic/ops.ts";
import type { Operand } from "../symbolic/schedule.ts";
import { formatNumber } from "../symbolic/show.ts";

/** A number as a TypeScript operand: parenthesised when negative, so `a * (-2)` can never misparse. */
export function numberLiteral(v: number): string {
  return v < 0 ? `(${formatNumber(v)})` : formatNumber(v);
}

function powerCode(base: string, exponent: Operand, exponentCode: string): string {
  if (exponent.kind !== "num") return `Math.pow(${base}, ${exponentCode})`;
  const e = exponent.value;
  if (e === 0.5) return `Math.sqrt(${base})`;
  if (e === -0.5) return `1 / Math.sqrt(${base})`;
  if (Number.isInteger(e) && e !== 0 && Math.abs(e) <= 4) {
    const product = Array<string>(Math.abs(e)).fill(base).join(" * ");
    return e > 0 ? product : Math.abs(e) === 1 ? `1 / ${base}` : `1 / (${product})`;
  }
  return `Math.pow(${base}, ${exponentCode})`;
}

const call = (fn: string) => (a: string[]) => `${fn}(${a.join(", ")})`;

const PRINT: Record<Op, (a: string[], operands: readonly Operand[]) => string> = {
  num: () => {
    throw new Error("constants are operands, not assignments");
  },
  sym: () => {
    throw new Error("symbols are operands, not assignments");
  },
  add: (a) => a.join(" + "),
  mul: (a, operands) => {
    const minusOne = operands.findIndex((o) => o.kind === "num" && o.value === -1);
    if (minusOne < 0) return a.join(" * ");
    return `-${a.filter((_, i) => i !== minusOne).join(" * ") || "1"}`;
  },
  pow: (a, operands) => powerCode(a[0], operands[1], a[1]),
  exp: call("Math.exp"),
  log: call("Math.log"),
  log1p: call("Math.log1p"),
  tanh: call("Math.tanh"),
  abs: call("Math.abs"),
  max: call("Math.max"),
  relu: ([x]) => `${x} > 0 ? ${x} : 0`,
  step: ([x]) => `${x} > 0 ? 1 : 0`,
  select: ([c, a, b]) => `${c} >= 0 ? ${a} : ${b}`,
  // Lowering (lower.ts) replaces these before emission; their direct spellings are kept for completeness.
  sigmoid: ([x]) => `1 / (1 + Math.exp(-${x}))`,
  softplus: ([x]) => `Math.max(${x}, 0) + Math.log1p(Math.exp(-Math.abs(${x})))`,
  logsumexp: (a) => `Math.log(${a.map((x) => `Math.exp(${x})`).join(" + ")})`,
};

/** The right-hand side for an assignment of `op` on operands spelled as `code`. */
export function printAssignment(op: Op, operands: readonly Operand[], code: readonly string[]): string {
  return PRINT[op]([...code], operands);
}
