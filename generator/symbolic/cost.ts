/**
 * The cost model: how generated code computes each scheduled assignment, and what that costs.
 * The printer (emit/print-expr.ts) spells exactly the forms chosen here and the op counts (schedule.ts,
 * count.ts) add up exactly these costs, so what the header reports is what the code does:
 * - a product with a −1 factor is a negation (plus a multiply per further factor);
 * - a power with a constant exponent is a square root (±0.5), a run of multiplies (integer exponents up
 *   to MAX_UNROLLED_POWER, then one division when negative), or a call to Math.pow.
 */
import type { Op } from "./ops.ts";
import type { Operand } from "./schedule.ts";

/** Largest |n| for which x^n is written as n − 1 multiplies (x*x*x*x) rather than Math.pow(x, n). */
export const MAX_UNROLLED_POWER = 4;

export type PowerForm =
  | { readonly kind: "sqrt" }
  | { readonly kind: "reciprocal sqrt" }
  /** base multiplied by itself `factors` times (factors − 1 multiplies), then inverted when `reciprocal`. */
  | { readonly kind: "product"; readonly factors: number; readonly reciprocal: boolean }
  | { readonly kind: "pow" };

/** How base^exponent is computed. */
export function powerForm(exponent: Operand): PowerForm {
  if (exponent.kind !== "num") return { kind: "pow" };
  const e = exponent.value;
  if (e === 0.5) return { kind: "sqrt" };
  if (e === -0.5) return { kind: "reciprocal sqrt" };
  if (Number.isInteger(e) && e !== 0 && Math.abs(e) <= MAX_UNROLLED_POWER) return { kind: "product", factors: Math.abs(e), reciprocal: e < 0 };
  return { kind: "pow" };
}

/** For a product, the position of the −1 factor that makes it a negation (−a·b); −1 when there is none. */
export function negationFactor(op: Op, args: readonly Operand[]): number {
  return op === "mul" ? args.findIndex((o) => o.kind === "num" && o.value === -1) : -1;
}

export type Cost = readonly (readonly [kind: string, count: number])[];

function powerCost(form: PowerForm): Cost {
  switch (form.kind) {
    case "sqrt":
      return [["sqrt", 1]];
    case "reciprocal sqrt":
      return [["sqrt", 1], ["div", 1]];
    case "product":
      return form.reciprocal ? [["mul", form.factors - 1], ["div", 1]] : [["mul", form.factors - 1]];
    case "pow":
      return [["pow", 1]];
  }
}

/** What one assignment costs, by kind (an n-ary sum of k terms is k − 1 adds). */
export function assignmentCost(op: Op, args: readonly Operand[]): Cost {
  const k = args.length;
  switch (op) {
    case "add":
      return [["add", k - 1]];
    case "mul":
      return negationFactor(op, args) >= 0 ? [["neg", 1], ["mul", k - 2]] : [["mul", k - 1]];
    case "max":
      return [["max", k - 1]];
    case "pow":
      return powerCost(powerForm(args[1]));
    default:
      return [[op, 1]];
  }
}

/** The total of a cost. */
export function totalCost(cost: Cost): number {
  return cost.reduce((sum, [, count]) => sum + count, 0);
}
