/**
 * Lowering a DAG to a straight-line program: every shared node becomes one assignment, computed once
 * (common subexpressions fall out of hash-consing), in a canonical order that depends only on the
 * roots: a depth-first post-order from the roots, arguments in canonical order.
 *
 * Two program-level improvements over a plain walk:
 * - sub-sum/sub-product sharing: an n-ary sum or product whose arguments are those of another
 *   scheduled sum or product plus one reuses it (a·b·c·x with a·b·c already computed costs one
 *   multiply). Reverse mode creates exactly this pattern: each weight's gradient is the neuron's
 *   adjoint product times one input;
 * - reciprocal powers: b^−k reuses 1/b when that is scheduled (k − 1 multiplies, no division);
 * - loop-invariant hoisting: with `varying` (the symbols that change per sample), assignments that
 *   depend on none of them come first, so the emitter can compute them once per batch.
 */
import { compareExpr, findNode, num, type Expr } from "./expr.ts";
import { topologicalOrder } from "./dag.ts";
import type { Op } from "./ops.ts";
import { assignmentCost, totalCost } from "./cost.ts";

export type Operand =
  | { readonly kind: "sym"; readonly name: string }
  | { readonly kind: "num"; readonly value: number }
  | { readonly kind: "temp"; readonly index: number };

export interface Assignment {
  readonly op: Op;
  readonly args: readonly Operand[];
  /** True when the value depends on no varying symbol (the emitter hoists it out of the sample loop). */
  readonly invariant: boolean;
}

export interface OpCounts {
  readonly total: number;
  /** Operation count per kind: add, mul, div, neg, exp, log, … (an n-ary sum of k terms is k − 1 adds). */
  readonly byKind: Readonly<Record<string, number>>;
}

export interface Program {
  /** Symbols the program reads, in canonical order. */
  readonly inputs: readonly string[];
  /** Assignment i defines temporary i. */
  readonly assignments: readonly Assignment[];
  readonly outputs: readonly Operand[];
  readonly counts: OpCounts;
}

export interface ScheduleOptions {
  /** Names of the symbols that vary per sample; everything else is invariant. Default: all vary. */
  readonly varying?: ReadonlySet<string>;
}

export function schedule(roots: readonly Expr[], options: ScheduleOptions = {}): Program {
  const operandsOf = shareSubTerms(topologicalOrder(roots));
  const order = canonicalOrder(roots, operandsOf);
  const invariant = invariantNodes(order, operandsOf, options.varying);
  // Invariant nodes depend only on invariant nodes, so putting them first keeps the order valid.
  const assignmentsOrder = [...order.filter((n) => invariant.has(n)), ...order.filter((n) => !invariant.has(n))];
  const index = new Map<Expr, number>(assignmentsOrder.map((n, i) => [n, i]));
  const operand = (e: Expr): Operand => {
    if (e.op === "num") return { kind: "num", value: e.value };
    if (e.op === "sym") return { kind: "sym", name: e.name };
    return { kind: "temp", index: index.get(e)! };
  };
  const assignments = assignmentsOrder.map((n) => ({
    op: n.op,
    args: operandsOf(n).map(operand),
    invariant: invariant.has(n),
  }));
  const inputs = [...new Set(topologicalOrder(roots).filter((n) => n.op === "sym").map((n) => n.name))].sort();
  const split = splitWideAssignments(assignments, roots.map(operand));
  return { inputs, assignments: split.assignments, outputs: split.outputs, counts: countOps(split.assignments) };
}

/**
 * Most arguments one scheduled sum or product keeps; wider ones become a chain of partial results.
 * (The gradient of a weight shared by N layers is an N-term sum: printed as one expression it is
 * nested N deep for every parser and printer, and its statement alone can exceed V8's 60 KB limit.)
 */
export const MAX_ARGUMENTS = 64;

/**
 * Every add/mul with more than MAX_ARGUMENTS arguments as a chain of partial sums (products) of at
 * most MAX_ARGUMENTS arguments each, taken in the order their arguments are computed, and each partial
 * placed right after the last value it reads: a sum over a deep chain then accumulates as the chain is
 * computed, instead of keeping N values alive until the end. Sums and products of up to
 * MAX_ARGUMENTS arguments (every shipped model's) are left exactly as they are.
 */
function splitWideAssignments(assignments: readonly Assignment[], outputs: readonly Operand[]): { assignments: Assignment[]; outputs: Operand[] } {
  if (!assignments.some((a) => (a.op === "add" || a.op === "mul") && a.args.length > MAX_ARGUMENTS)) {
    return { assignments: [...assignments], outputs: [...outputs] };
  }
  // Each piece is an assignment with a position key: (after original index, order among partials).
  type Piece = { key: number; sub: number; op: Op; args: (Operand | { kind: "piece"; piece: Piece })[]; invariant: boolean; index?: number };
  const pieces: Piece[] = [];
  const original: Piece[] = [];
  const firstVarying = assignments.findIndex((a) => !a.invariant);
  let sub = 0;
  assignments.forEach((a, i) => {
    const wide = (a.op === "add" || a.op === "mul") && a.args.length > MAX_ARGUMENTS;
    if (!wide) {
      const piece: Piece = { key: i, sub: 0, op: a.op, args: [...a.args], invariant: a.invariant };
      original.push(piece);
      pieces.push(piece);
      return;
    }
    const position = (o: Operand) => (o.kind === "temp" ? o.index : -1);
    const ordered = [...a.args].sort((x, y) => position(x) - position(y));
    let previous: Piece | undefined;
    let at = 0;
    while (ordered.length - at > MAX_ARGUMENTS - (previous ? 1 : 0)) {
      const take = ordered.slice(at, at + MAX_ARGUMENTS - (previous ? 1 : 0));
      at += take.length;
      // A symbol may vary per sample: a partial is invariant when its whole sum is, or when it reads
      // only constants and invariant values. Varying partials stay after the invariant prefix.
      const invariant = a.invariant || ((previous?.invariant ?? true) && take.every((o) => o.kind === "num" || (o.kind === "temp" && assignments[o.index].invariant)));
      const key = Math.max(previous?.key ?? -1, ...take.map(position), invariant ? -1 : firstVarying);
      const partial: Piece = { key, sub: ++sub, op: a.op, args: previous ? [{ kind: "piece", piece: previous }, ...take] : take, invariant };
      pieces.push(partial);
      previous = partial;
    }
    const last: Piece = { key: i, sub: 0, op: a.op, args: [{ kind: "piece", piece: previous! }, ...ordered.slice(at)], invariant: a.invariant };
    original.push(last);
    pieces.push(last);
  });
  // Originals first at their own index (sub 0), partials after the last value they read.
  pieces.sort((x, y) => x.key - y.key || x.sub - y.sub);
  pieces.forEach((p, k) => (p.index = k));
  const remap = (o: Operand | { kind: "piece"; piece: Piece }): Operand => {
    if (o.kind === "piece") return { kind: "temp", index: o.piece.index! };
    return o.kind === "temp" ? { kind: "temp", index: original[o.index].index! } : o;
  };
  return {
    assignments: pieces.map((p) => ({ op: p.op, args: p.args.map(remap), invariant: p.invariant })),
    outputs: outputs.map(remap),
  };
}

/**
 * For each n-ary sum or product, its arguments as scheduled: another scheduled node of the same op
 * on all of its arguments but one, followed by that one argument. (Looking up the k "all but one"
 * subsets in the intern table is O(k²) per node; scanning every node that shares an argument is
 * quadratic in the model size, since the output adjoint is shared by every weight's gradient.)
 */
/** Wider sums are left alone: the search costs O(k²) for k arguments (a gradient summed over a
 *  20 000-step chain has 20 000 terms), and reverse mode's wide sums share nothing this would find. */
const MAX_SHARED_ARITY = 256;

function shareSubTerms(nodes: readonly Expr[]): (n: Expr) => readonly Expr[] {
  const scheduled = new Set(nodes);
  const rewritten = new Map<Expr, readonly Expr[]>();
  for (const n of nodes) {
    const reciprocal = reciprocalPower(n, scheduled);
    if (reciprocal) rewritten.set(n, reciprocal);
    if ((n.op !== "add" && n.op !== "mul") || n.args.length < 3 || n.args.length > MAX_SHARED_ARITY) continue;
    let best: Expr | undefined;
    let left: Expr | undefined;
    n.args.forEach((a, i) => {
      const sub = findNode(n.op, n.args.filter((_, j) => j !== i));
      // Ties go to the structurally smaller node, so the choice never depends on creation order.
      if (sub && scheduled.has(sub) && (!best || compareExpr(sub, best) < 0)) {
        best = sub;
        left = a;
      }
    });
    if (best) rewritten.set(n, [best, left!]);
  }
  return (n) => rewritten.get(n) ?? n.args;
}

/**
 * b^−k (k ≥ 2) as (1/b)^k when 1/b is scheduled anyway and that costs no more (cost.ts): k − 1
 * multiplies instead of a new division (σ'(z) = e·r² with r = 1/(1 + e) already computed for σ(z)).
 */
function reciprocalPower(n: Expr, scheduled: ReadonlySet<Expr>): readonly Expr[] | undefined {
  if (n.op !== "pow" || n.args[1].op !== "num") return undefined;
  const k = n.args[1].value;
  if (!Number.isInteger(k) || k > -2) return undefined;
  const inverse = findNode("pow", [n.args[0], num(-1)]);
  if (!inverse || !scheduled.has(inverse)) return undefined;
  // Whatever the base, only the exponent decides the cost: compare b^−k with (1/b)^k on a stand-in base.
  const base: Operand = { kind: "temp", index: 0 };
  const direct = totalCost(assignmentCost("pow", [base, { kind: "num", value: k }]));
  const viaInverse = totalCost(assignmentCost("pow", [base, { kind: "num", value: -k }]));
  return viaInverse <= direct ? [inverse, num(-k)] : undefined;
}

/** Depth-first post-order from the roots over the scheduled arguments: the canonical order. */
function canonicalOrder(roots: readonly Expr[], operandsOf: (n: Expr) => readonly Expr[]): Expr[] {
  const order: Expr[] = [];
  const seen = new Set<Expr>();
  const visit = (root: Expr) => {
    const stack: { node: Expr; next: number }[] = [{ node: root, next: 0 }];
    seen.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const args = operandsOf(top.node);
      if (top.next < args.length) {
        const child = args[top.next++];
        if (!seen.has(child)) {
          seen.add(child);
          stack.push({ node: child, next: 0 });
        }
      } else {
        stack.pop();
        if (top.node.op !== "num" && top.node.op !== "sym") order.push(top.node);
      }
    }
  };
  for (const r of roots) if (!seen.has(r)) visit(r);
  return order;
}

function invariantNodes(
  order: readonly Expr[],
  operandsOf: (n: Expr) => readonly Expr[],
  varying: ReadonlySet<string> | undefined,
): Set<Expr> {
  const out = new Set<Expr>();
  if (!varying) return out;
  const isInvariant = (e: Expr) => e.op === "num" || (e.op === "sym" ? !varying.has(e.name) : out.has(e));
  for (const n of order) if (operandsOf(n).every(isInvariant)) out.add(n);
  return out;
}

function countOps(assignments: readonly Assignment[]): OpCounts {
  const byKind: Record<string, number> = {};
  let total = 0;
  for (const a of assignments) {
    for (const [kind, count] of assignmentCost(a.op, a.args)) {
      if (count === 0) continue;
      byKind[kind] = (byKind[kind] ?? 0) + count;
      total += count;
    }
  }
  const sorted = Object.fromEntries(Object.entries(byKind).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { total, byKind: sorted };
}
