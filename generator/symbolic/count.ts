/**
 * Operation counts of expressions as trees, without sharing: what a per-parameter symbolic
 * derivative costs when each one is evaluated on its own (SymPy's count_ops before cse).
 */
import type { Expr } from "./expr.ts";
import { topologicalOrder } from "./dag.ts";
import type { Operand } from "./schedule.ts";
import { assignmentCost, totalCost } from "./cost.ts";
import { diffLiteral } from "./differentiate.ts";

const asOperand = (e: Expr): Operand =>
  e.op === "num" ? { kind: "num", value: e.value } : e.op === "sym" ? { kind: "sym", name: e.name } : { kind: "temp", index: 0 };

/** Operations in the expression written out as a tree (a node used twice is counted twice). */
export function treeOps(e: Expr): number {
  const ops = new Map<Expr, number>();
  for (const n of topologicalOrder([e])) {
    if (n.op === "num" || n.op === "sym") {
      ops.set(n, 0);
      continue;
    }
    const own = totalCost(assignmentCost(n.op, n.args.map(asOperand)));
    ops.set(n, n.args.reduce((s, a) => s + ops.get(a)!, own));
  }
  return ops.get(e)!;
}

export interface NaiveCount {
  /** Tree operations of the loss plus those of each ∂loss/∂p taken separately. */
  readonly ops: number;
  /** True when extrapolated from an evenly spaced sample of parameters (models with many parameters). */
  readonly estimated: boolean;
}

export function naiveGradientOps(loss: Expr, params: readonly Expr[], sampleSize = 32): NaiveCount {
  const estimated = params.length > sampleSize;
  const sample = estimated
    ? Array.from({ length: sampleSize }, (_, k) => params[Math.floor((k * params.length) / sampleSize)])
    : params;
  const sampled = sample.reduce((s, p) => s + treeOps(diffLiteral(loss, p)), 0);
  const gradientOps = estimated ? Math.round((sampled * params.length) / sampleSize) : sampled;
  return { ops: treeOps(loss) + gradientOps, estimated };
}
