/**
 * Expressions that arrive as data: a model file's default export may hold nodes of this copy of
 * symgrad, nodes of a second copy (a `.ts` model loaded as CommonJS imports its own symgrad), or
 * forgeries. `adoptExprs` rebuilds every node that is not already this copy's own (isGenuine) through
 * the constructors, from its structural fields alone (op, args, value, name), so each symbol name and
 * each constant is validated again and nothing reaches the generator unchecked. Iterative, so deep
 * expressions cannot overflow the stack; a cycle (possible only in a forgery) is an error.
 */
import { isGenuine, num, rebuild, sym, type Expr } from "./expr.ts";
import { OPS, type Op } from "./ops.ts";

interface Pending {
  readonly node: object;
  readonly op: Op;
  readonly args: readonly unknown[];
  readonly value: unknown;
  readonly name: unknown;
  next: number;
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  return typeof x === "object" ? "an object" : typeof x;
}

/** The structural fields of an expression-shaped object, each read once, checked for shape. */
function readNode(node: unknown, where: string): Pending {
  if (typeof node !== "object" || node === null) throw new TypeError(`${where}: expected an expression, got ${describe(node)}`);
  const { op, args, value, name } = node as Record<string, unknown>;
  if (typeof op !== "string" || !Object.hasOwn(OPS, op)) {
    throw new TypeError(`${where}: not an expression (unknown op ${JSON.stringify(String(op)).slice(0, 40)})`);
  }
  if (!Array.isArray(args)) throw new TypeError(`${where}: ${op} node without an argument list`);
  const arity = OPS[op as Op].arity;
  if (arity === "n" ? args.length === 0 : args.length !== arity) {
    throw new TypeError(`${where}: ${op} node with ${args.length} argument(s), expected ${arity === "n" ? "at least 1" : arity}`);
  }
  return { node, op: op as Op, args: [...args], value, name, next: 0 };
}

/** The node through this copy's constructors, which validate it; their errors get `where` in front. */
function build(p: Pending, args: readonly Expr[], where: string): Expr {
  try {
    if (p.op === "num") return num(p.value as number);
    if (p.op === "sym") return sym(p.name as string);
    return rebuild(p.op, args);
  } catch (error) {
    const message = `${where}: ${(error as Error).message}`;
    throw error instanceof RangeError ? new RangeError(message) : new TypeError(message);
  }
}

/** This copy's node for each root (`where[i]` names root i in errors). Shared nodes are rebuilt once. */
export function adoptExprs(roots: readonly unknown[], where: readonly string[]): Expr[] {
  const adopted = new Map<object, Expr>();
  const onPath = new Set<object>();
  const resolve = (x: unknown): Expr => (isGenuine(x) ? x : adopted.get(x as object)!);

  return roots.map((root, i) => {
    if (isGenuine(root)) return root;
    if (typeof root === "object" && root !== null && adopted.has(root)) return adopted.get(root)!;
    const stack = [readNode(root, where[i])];
    onPath.add(stack[0].node);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.args.length) {
        const child = top.args[top.next++];
        if (isGenuine(child) || adopted.has(child as object)) continue;
        if (onPath.has(child as object)) throw new TypeError(`${where[i]}: the expression contains a cycle`);
        const pending = readNode(child, where[i]);
        onPath.add(pending.node);
        stack.push(pending);
      } else {
        stack.pop();
        onPath.delete(top.node);
        adopted.set(top.node, build(top, top.args.map(resolve), where[i]));
      }
    }
    return resolve(root);
  });
}
