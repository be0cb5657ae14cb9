/**
 * Lowering a DAG to a straight-line program: every shared node becomes one assignment, computed once
 * (common subexpressions fall out of hash-consing), in a canonical order that depends only on the
 * roots: a depth-first post-order from the roots, arguments in canonical order.
 *
 * Two program-level improvements over a plain walk:
 * - sub-sum/sub-product sharing: an n-ary sum or product whose arguments contain all arguments of
 *   another scheduled sum or product reuses it (a·b·c·x with a·b·c already computed costs one
 *   multiply). Reverse mode creates exactly this pattern: each weight's gradient is the neuron's
 *   adjoint product times one input;
 * - loop-invariant hoisting: with `varying` (the symbols that change per sample), assignments that
 *   depend on none of them come first, so the emitter can compute them once per batch.
 */
import { compareExpr, type Expr } from "./expr.ts";
import { topologicalOrder } from "./dag.ts";
import type { Op } from "./ops.ts";

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
  return { inputs, assignments, outputs: roots.map(operand), counts: countOps(assignments) };
}

/**
 * For each n-ary sum or product, its arguments as scheduled: the largest other scheduled node of the
 * same op whose arguments are a proper subset of its own, followed by the remaining arguments.
 */
function shareSubTerms(nodes: readonly Expr[]): (n: Expr) => readonly Expr[] {
  const containing = new Map<Expr, Expr[]>(); // argument → the n-ary nodes that use it
  for (const n of nodes) {
    if (n.op !== "add" && n.op !== "mul") continue;
    for (const a of n.args) {
      const list = containing.get(a) ?? [];
      list.push(n);
      containing.set(a, list);
    }
  }
  const rewritten = new Map<Expr, readonly Expr[]>();
  for (const n of nodes) {
    if ((n.op !== "add" && n.op !== "mul") || n.args.length < 3) continue;
    const best = largestSubTerm(n, containing);
    if (best) rewritten.set(n, [best, ...n.args.filter((a) => !best.args.includes(a))]);
  }
  return (n) => rewritten.get(n) ?? n.args;
}

function largestSubTerm(n: Expr, containing: Map<Expr, Expr[]>): Expr | undefined {
  // A sub-term shares at least one non-constant argument with n (constants are in too many terms).
  const own = new Set(n.args);
  const candidates = new Set<Expr>();
  for (const a of n.args) if (a.op !== "num") for (const c of containing.get(a)!) candidates.add(c);
  let best: Expr | undefined;
  for (const c of candidates) {
    if (c === n || c.op !== n.op || c.args.length >= n.args.length || c.args.length < 2) continue;
    if (best && c.args.length < best.args.length) continue;
    if (!c.args.every((a) => own.has(a))) continue;
    // Ties go to the structurally smaller node, so the choice never depends on creation order.
    if (!best || c.args.length > best.args.length || compareExpr(c, best) < 0) best = c;
  }
  return best;
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

/** What one assignment costs, by kind. Powers with small integer exponents are multiplications. */
export function assignmentCost(op: Op, args: readonly Operand[]): [kind: string, count: number][] {
  const k = args.length;
  switch (op) {
    case "add":
      return [["add", k - 1]];
    case "mul":
      return k === 2 && args.some((a) => a.kind === "num" && a.value === -1) ? [["neg", 1]] : [["mul", k - 1]];
    case "max":
      return [["max", k - 1]];
    case "pow": {
      const e = args[1].kind === "num" ? args[1].value : NaN;
      if (e === -1) return [["div", 1]];
      if (e === 0.5) return [["sqrt", 1]];
      if (e === -0.5) return [["sqrt", 1], ["div", 1]];
      if (Number.isInteger(e) && Math.abs(e) <= 4) {
        const cost: [string, number][] = [["mul", Math.abs(e) - 1]];
        return e < 0 ? [...cost, ["div", 1]] : cost;
      }
      return [["pow", 1]];
    }
    default:
      return [[op, 1]];
  }
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
