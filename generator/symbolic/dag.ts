/** Walking an expression DAG: each node once, children before parents (as egg stores its e-graph). */
import type { Expr } from "./expr.ts";

/** All nodes reachable from `roots`, in post-order: every node after its arguments. Iterative, so deep
 *  chains cannot overflow the call stack. */
export function topologicalOrder(roots: readonly Expr[]): Expr[] {
  const order: Expr[] = [];
  const seen = new Set<Expr>();
  const stack: { node: Expr; next: number }[] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push({ node: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.args.length) {
        const child = top.node.args[top.next++];
        if (!seen.has(child)) {
          seen.add(child);
          stack.push({ node: child, next: 0 });
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
