/**
 * Operation counts of expressions as trees, without sharing: what a per-parameter symbolic
 * derivative costs when each one is evaluated on its own (SymPy's count_ops before cse).
 */
import type { Expr } from "./expr.ts";
import { topologicalOrder } from "./dag.ts";
import type { Operand } from "./schedule.ts";
import { assignmentCost, totalCost } from "./cost.ts";
import { diffLiteralEach } from "./differentiate.ts";

const asOperand = (e: Expr): Operand =>
  e.op === "num" ? { kind: "num", value: e.value } : e.op === "sym" ? { kind: "sym", name: e.name } : { kind: "temp", index: 0 };

/** Operations in the expression written out as a tree (a node used twice is counted twice). */
export function treeOps(e: Expr): number {
  return treeOpsWith(new Map(), e);
}

/**
 * treeOps, with `ops` holding the counts of nodes counted before (and receiving this walk's): the walk
 * does not descend into them. The per-parameter derivatives of one loss share most of their nodes with
 * the loss and with each other (2-64-64-1: each walk was the whole network again).
 */
function treeOpsWith(ops: Map<Expr, number>, e: Expr): number {
  for (const n of topologicalOrder([e], (node) => (ops.has(node) ? NO_ARGS : node.args))) {
    if (ops.has(n)) continue;
    if (n.op === "num" || n.op === "sym") {
      ops.set(n, 0);
      continue;
    }
    const own = totalCost(assignmentCost(n.op, n.args.map(asOperand)));
    ops.set(n, n.args.reduce((s, a) => s + ops.get(a)!, own));
  }
  return ops.get(e)!;
}

const NO_ARGS: readonly Expr[] = [];

export interface NaiveCount {
  /** Tree operations of the loss plus those of each ∂loss/∂p taken separately. */
  readonly ops: number;
  /** True when extrapolated from a sample of the parameters (models with many parameters). */
  readonly estimated: boolean;
}

/**
 * The cost of the per-parameter symbolic derivatives. `groups`, when given, are parameters that play the
 * same part (the weights of one dense layer, its biases): one of each group is differentiated and stands
 * for all of its group, so a layered model costs a handful of derivatives, not one per sampled parameter.
 * Otherwise up to `sampleSize` evenly spaced parameters are, and the total is scaled to all of them.
 */
export function naiveGradientOps(loss: Expr, params: readonly Expr[], sampleSize = 32, groups?: readonly (readonly Expr[])[]): NaiveCount {
  const ops = new Map<Expr, number>(); // shared by every count below
  const treeOps = (e: Expr) => treeOpsWith(ops, e);
  const derivativeOps = (ps: readonly Expr[]) => diffLiteralEach(loss, ps).map(treeOps);
  if (groups && groups.every((g) => g.length > 0)) {
    const perGroup = derivativeOps(groups.map((g) => g[0]));
    const gradientOps = groups.reduce((s, g, k) => s + g.length * perGroup[k], 0);
    return { ops: treeOps(loss) + gradientOps, estimated: groups.some((g) => g.length > 1) };
  }
  const estimated = params.length > sampleSize;
  const sample = estimated
    ? Array.from({ length: sampleSize }, (_, k) => params[Math.floor((k * params.length) / sampleSize)])
    : params;
  const sampled = derivativeOps(sample).reduce((s, ops) => s + ops, 0);
  const gradientOps = estimated ? Math.round((sampled * params.length) / sampleSize) : sampled;
  return { ops: treeOps(loss) + gradientOps, estimated };
}
