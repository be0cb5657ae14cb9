/** Walking an expression DAG: each node once, children before parents (as egg stores its e-graph). */
import type { Expr } from "./expr.ts";

/** A node's arguments, as a walk sees them. */
export type ArgsOf = (node: Expr) => readonly Expr[];

const ownArgs: ArgsOf = (node) => node.args;

/**
 * All nodes reachable from `roots`, in post-order: every node after its arguments. Iterative, so deep
 * chains cannot overflow the call stack.
 *
 * `argsOf` lets a caller walk a coarser graph: model.ts gives the units of a verified dense layer the
 * layer's inputs as arguments, so checking a model does not descend into every weight of the network.
 */
export function topologicalOrder(roots: readonly Expr[], argsOf: ArgsOf = ownArgs): Expr[] {
  const order: Expr[] = [];
  const seen = new Set<Expr>();
  const stack: { node: Expr; args: readonly Expr[]; next: number }[] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push({ node: root, args: argsOf(root), next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.args.length) {
        const child = top.args[top.next++];
        if (!seen.has(child)) {
          seen.add(child);
          stack.push({ node: child, args: argsOf(child), next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}

/** The distinct symbols an expression uses, by name. */
export function freeSymbols(roots: readonly Expr[]): Set<string> {
  const names = new Set<string>();
  for (const n of topologicalOrder(roots)) if (n.op === "sym") names.add(n.name);
  return names;
}

/** Memoized bottom-up rewrite: `f` receives each node with its arguments already rewritten. */
export function rewriteBottomUp(roots: readonly Expr[], f: (node: Expr, args: Expr[]) => Expr): Expr[] {
  const done = new Map<Expr, Expr>();
  for (const n of topologicalOrder(roots)) {
    done.set(n, f(n, n.args.map((a) => done.get(a)!)));
  }
  return roots.map((r) => done.get(r)!);
}
