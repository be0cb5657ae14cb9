/**
 * TypeScript spelling of one scheduled assignment, given its operands already spelled (names or
 * numbers). One row per op; prettier takes care of spacing and parentheses it can drop. Negations and
 * powers are spelled in the forms the cost model (symbolic/cost.ts) chose and counted.
 */
import type { Op } from "../symbolic/ops.ts";
import type { Operand } from "../symbolic/schedule.ts";
import { formatNumber } from "../symbolic/show.ts";
import { negationFactor, powerForm } from "../symbolic/cost.ts";
import { FAST_EXP } from "./fast-math.ts";

/** A number as a TypeScript operand: parenthesised when negative, so `a * (-2)` can never misparse. */
export function numberLiteral(v: number): string {
  return v < 0 ? `(${formatNumber(v)})` : formatNumber(v);
}

/** base^exponent in the form the cost model chose (symbolic/cost.ts). */
function powerCode(base: string, exponent: Operand, exponentCode: string): string {
  const form = powerForm(exponent);
  switch (form.kind) {
    case "sqrt":
      return `Math.sqrt(${base})`;
    case "reciprocal sqrt":
      return `1 / Math.sqrt(${base})`;
    case "product": {
      const product = Array<string>(form.factors).fill(base).join(" * ");
      if (!form.reciprocal) return product;
      return form.factors === 1 ? `1 / ${base}` : `1 / (${product})`;
    }
    case "pow":
      return `Math.pow(${base}, ${exponentCode})`;
  }
}

/** A product, or its negation when the cost model sees a −1 factor (−a·b rather than a·b·(−1)). */
function productCode(factors: readonly string[], operands: readonly Operand[]): string {
  const minusOne = negationFactor("mul", operands);
  if (minusOne < 0) return factors.join(" * ");
  return `-${factors.filter((_, i) => i !== minusOne).join(" * ") || "1"}`;
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
  mul: productCode,
  pow: (a, operands) => powerCode(a[0], operands[1], a[1]),
  exp: call(FAST_EXP), // the inlinable e^x of fast-math.ts, which the module then defines
  log: call("Math.log"),
  log1p: call("Math.log1p"),
  expm1: call("Math.expm1"),
  tanh: call("Math.tanh"),
  abs: call("Math.abs"),
  max: call("Math.max"),
  sin: call("Math.sin"),
  cos: call("Math.cos"),
  relu: ([x]) => `${x} > 0 ? ${x} : 0`,
  step: ([x]) => `${x} > 0 ? 1 : 0`,
  select: ([c, a, b]) => `${c} >= 0 ? ${a} : ${b}`,
  // Lowering (lower.ts) replaces these before emission; their direct spellings are kept for completeness.
  sigmoid: ([x]) => `1 / (1 + ${FAST_EXP}(-${x}))`,
  softplus: ([x]) => `Math.max(${x}, 0) + Math.log1p(${FAST_EXP}(-Math.abs(${x})))`,
  logsumexp: (a) => `Math.log(${a.map((x) => `${FAST_EXP}(${x})`).join(" + ")})`,
};

/** The right-hand side for an assignment of `op` on operands spelled as `code`. */
export function printAssignment(op: Op, operands: readonly Operand[], code: readonly string[]): string {
  return PRINT[op]([...code], operands);
}
