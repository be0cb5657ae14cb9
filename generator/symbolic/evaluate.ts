/**
 * Interpreters for expressions and scheduled programs, in float64. They are the test oracle for the
 * generated code and the baseline of the benchmark, so they use the very same op table (ops.ts).
 *
 * `evaluate(expr, env)` computes what the generated code computes: the expression goes through the
 * same simplify → stable lowering → schedule first (cached per expression), so the seed's literal loss
 * is exact at z = ±800 here too, and sums are associated as the generated code associates them. `evaluateLiteral` evaluates the expression exactly as written, float op by
 * float op: the tests use it to show what the stable forms buy and to check that rewrites preserve
 * values where the literal formula is accurate.
 */
import { Expr } from "./expr.ts";
import { topologicalOrder } from "./dag.ts";
import { lowerStable } from "./lower.ts";
import { OPS } from "./ops.ts";
import { schedule, type Operand, type Program } from "./schedule.ts";
import { simplifyAll } from "./simplify.ts";

export type Env = Readonly<Record<string, number>>;

/** The value of a variable: an own property of env (never inherited), a number, not NaN. */
function lookup(env: Env, name: string): number {
  if (!Object.hasOwn(env, name)) throw new RangeError(`evaluate: no value for variable "${name}"`);
  const v: unknown = env[name];
  if (typeof v !== "number") throw new TypeError(`evaluate: the value of "${name}" must be a number, got ${v === null ? "null" : typeof v}`);
  if (Number.isNaN(v)) throw new RangeError(`evaluate: the value of "${name}" is NaN`);
  return v;
}

function isProgram(x: unknown): x is Program {
  return typeof x === "object" && x !== null && "assignments" in x && "outputs" in x;
}

function checkEnv(env: unknown): void {
  if (typeof env !== "object" || env === null) throw new TypeError("evaluate: env must be an object of numbers");
}

/**
 * Value of an expression (each shared node computed once), of several, or of a program's outputs,
 * computed through the generated code's simplify → stable lowering.
 */
export function evaluate(expr: Expr, env: Env): number;
export function evaluate(exprs: readonly Expr[], env: Env): number[];
export function evaluate(program: Program, env: Env): number[];
export function evaluate(what: Expr | readonly Expr[] | Program, env: Env): number | number[] {
  checkEnv(env);
  if (what instanceof Expr) return stableInterpreter([what]).run(env)[0];
  if (Array.isArray(what)) return stableInterpreter(checkExprs(what)).run(env);
  if (isProgram(what)) return evaluateProgram(what, env);
  throw new TypeError("evaluate: expected an Expr, an array of Expr, or a Program");
}

/** Value of expressions exactly as written (no rewrites): the literal float formula. */
export function evaluateLiteral(expr: Expr, env: Env): number;
export function evaluateLiteral(exprs: readonly Expr[], env: Env): number[];
export function evaluateLiteral(what: Expr | readonly Expr[], env: Env): number | number[] {
  checkEnv(env);
  if (what instanceof Expr) return evaluateOrdered(topologicalOrder([what]), [what], env)[0];
  if (Array.isArray(what)) return evaluateOrdered(topologicalOrder(checkExprs(what)), what, env);
  throw new TypeError("evaluateLiteral: expected an Expr or an array of Expr");
}

function checkExprs(roots: readonly unknown[]): readonly Expr[] {
  roots.forEach((r, i) => {
    if (!(r instanceof Expr)) throw new TypeError(`evaluate: item ${i} is not an Expr`);
  });
  return roots as readonly Expr[];
}

/**
 * The roots' program as the generator builds it (simplify → lowerStable → schedule), ready to run.
 * Cached per expression, and per list of expressions (a bounded table: lists are not interned).
 */
const singleRootPrograms = new WeakMap<Expr, ProgramInterpreter>();
const listPrograms = new Map<string, ProgramInterpreter>();
const LIST_CACHE_SIZE = 256;

function stableInterpreter(roots: readonly Expr[]): ProgramInterpreter {
  const single = roots.length === 1 ? roots[0] : undefined;
  const key = single ? "" : roots.map((r) => r.id).join(",");
  let interpreter = single ? singleRootPrograms.get(single) : listPrograms.get(key);
  if (!interpreter) {
    interpreter = new ProgramInterpreter(schedule(lowerStable(simplifyAll(roots))));
    if (single) singleRootPrograms.set(single, interpreter);
    else {
      if (listPrograms.size >= LIST_CACHE_SIZE) listPrograms.clear();
      listPrograms.set(key, interpreter);
    }
  }
  return interpreter;
}

/** Evaluate `order` (every node after its arguments) and return the values of `roots`. */
function evaluateOrdered(order: readonly Expr[], roots: readonly Expr[], env: Env): number[] {
  const value = new Map<Expr, number>();
  for (const n of order) {
    if (n.op === "num") value.set(n, n.value);
    else if (n.op === "sym") value.set(n, lookup(env, n.name));
    else value.set(n, OPS[n.op].evaluate(n.args.map((a) => value.get(a)!)));
  }
  return roots.map((r) => value.get(r)!);
}

/**
 * A program prepared for repeated evaluation: temporaries live in one Float64Array and every operand
 * is resolved to a slot once. This is the "memoized interpreter" of the benchmark.
 */
export class ProgramInterpreter {
  readonly program: Program;
  private readonly slots: Float64Array;
  private readonly inputSlot: Map<string, number>;
  private readonly plan: { evaluate: (a: readonly number[]) => number; args: Int32Array; scratch: number[] }[];
  private readonly outputSlots: Int32Array;

  constructor(program: Program) {
    this.program = program;
    const constants = new Map<number, number>();
    const inputs = program.inputs;
    this.inputSlot = new Map(inputs.map((name, i) => [name, i]));
    const temps0 = inputs.length;
    const constantValues: number[] = [];
    const slotOf = (o: Operand): number => {
      if (o.kind === "sym") return this.inputSlot.get(o.name)!;
      if (o.kind === "temp") return temps0 + o.index;
      let c = constants.get(o.value);
      if (c === undefined) {
        c = constantValues.length;
        constants.set(o.value, c);
        constantValues.push(o.value);
      }
      return -1 - c; // patched below, once the number of temporaries is known
    };
    const rawPlan = program.assignments.map((a) => ({ op: a.op, args: a.args.map(slotOf) }));
    const rawOutputs = program.outputs.map(slotOf);
    const constants0 = temps0 + program.assignments.length;
    const fix = (s: number) => (s < 0 ? constants0 + (-1 - s) : s);
    this.slots = new Float64Array(constants0 + constantValues.length);
    this.slots.set(constantValues, constants0);
    this.plan = rawPlan.map((p) => ({
      evaluate: OPS[p.op].evaluate,
      args: Int32Array.from(p.args.map(fix)),
      scratch: new Array<number>(p.args.length).fill(0),
    }));
    this.outputSlots = Int32Array.from(rawOutputs.map(fix));
  }

  /** Evaluate with the inputs given by name; returns the outputs. */
  run(env: Env, out: number[] = new Array<number>(this.outputSlots.length)): number[] {
    for (const [name, slot] of this.inputSlot) this.slots[slot] = lookup(env, name);
    return this.runLoaded(out);
  }

  /** Set one input by name (for loops that change a few inputs between runs). */
  setInput(name: string, value: number): void {
    const slot = this.inputSlot.get(name);
    if (slot === undefined) {
      throw new RangeError(`setInput: the program has no input "${name}" (inputs: ${this.program.inputs.join(", ")})`);
    }
    this.slots[slot] = value;
  }

  /** Evaluate with the inputs already set by setInput. */
  runLoaded(out: number[] = new Array<number>(this.outputSlots.length)): number[] {
    const slots = this.slots;
    const temps0 = this.inputSlot.size;
    for (let i = 0; i < this.plan.length; i++) {
      const step = this.plan[i];
      for (let j = 0; j < step.args.length; j++) step.scratch[j] = slots[step.args[j]];
      slots[temps0 + i] = step.evaluate(step.scratch);
    }
    for (let k = 0; k < this.outputSlots.length; k++) out[k] = slots[this.outputSlots[k]];
    return out;
  }
}

const interpreters = new WeakMap<Program, ProgramInterpreter>();

function evaluateProgram(program: Program, env: Env): number[] {
  let interpreter = interpreters.get(program);
  if (!interpreter) {
    interpreter = new ProgramInterpreter(program);
    interpreters.set(program, interpreter);
  }
  return interpreter.run(env);
}
