/**
 * The schedule (schedule.ts): what a straight-line program shares and hoists, read off small
 * programs: each shared node is computed once, sums and products reuse a scheduled sub-sum, b^−k
 * reuses 1/b, invariant values come first, wide sums become chains, and the order is canonical.
 */
import { describe, expect, it } from "vitest";
import { add, evaluate, exp, mul, pow, schedule, showProgram, sym, symbols, tanh, type Expr, type Program } from "../generator/index.ts";
import { MAX_ARGUMENTS } from "../generator/symbolic/schedule.ts";

const [a, b, c, w, x, y] = symbols("a b c w x y");

const opsOf = (p: Program) => p.counts.byKind;

describe("schedule sharing", () => {
  it("computes a node shared by several roots once", () => {
    const shared = tanh(add(a, b));
    const program = schedule([mul(shared, x), mul(shared, y), shared]);
    expect(program.assignments.filter((s) => s.op === "tanh")).toHaveLength(1);
    expect(program.outputs[2]).toEqual({ kind: "temp", index: program.assignments.findIndex((s) => s.op === "tanh") });
  });

  it("a product of a scheduled product and one more factor costs one multiply", () => {
    const abc = mul(a, b, c);
    const program = schedule([abc, mul(a, b, c, x), mul(a, b, c, y)]);
    expect(program.counts.total).toBe(2 + 1 + 1);
    const last = program.assignments[program.assignments.length - 1];
    expect(last.args).toHaveLength(2); // [a·b·c, y]
  });

  it("a sum of a scheduled sum and one more term costs one add", () => {
    const program = schedule([add(a, b, c), add(a, b, c, x)]);
    expect(opsOf(program).add).toBe(2 + 1);
  });

  it("b^−2 and b^−3 reuse a scheduled 1/b: one division in all", () => {
    const base = add(a, exp(b));
    const program = schedule([pow(base, -1), pow(base, -2), pow(base, -3)]);
    expect(opsOf(program).div).toBe(1);
    expect(opsOf(program).mul).toBe(1 + 2);
  });

  it("b^−2 alone is one division of a square, not a reciprocal first", () => {
    const program = schedule([pow(add(a, b), -2)]);
    expect(opsOf(program)).toEqual({ add: 1, div: 1, mul: 1 });
  });

  it("counts a product with −1 as a negation, and prints it so", () => {
    expect(opsOf(schedule([mul(-1, a, b)]))).toEqual({ mul: 1, neg: 1 });
    expect(opsOf(schedule([mul(-1, tanh(a))]))).toEqual({ neg: 1, tanh: 1 });
  });

  it("puts values that depend on no varying symbol first, marked invariant", () => {
    const program = schedule([mul(tanh(mul(w, c)), x)], { varying: new Set(["x"]) });
    expect(program.assignments.map((s) => [s.op, s.invariant])).toEqual([["mul", true], ["tanh", true], ["mul", false]]);
    // Without `varying` everything varies.
    expect(schedule([mul(tanh(mul(w, c)), x)]).assignments.every((s) => !s.invariant)).toBe(true);
  });

  it("is the same program whatever order the expressions were built in", () => {
    const build = (order: readonly Expr[]) => mul(add(...order), tanh(add(...[...order].reverse())));
    expect(showProgram(schedule([build([a, b, c])]))).toBe(showProgram(schedule([build([c, a, b])])));
  });

  it("splits a sum wider than MAX_ARGUMENTS into a chain of partial sums with the same value", () => {
    const N = 3 * MAX_ARGUMENTS + 5;
    const terms = Array.from({ length: N }, (_, k) => mul(sym(`u${k}`), tanh(sym(`u${k}`))));
    const program = schedule([add(...terms)]);
    const sums = program.assignments.filter((s) => s.op === "add");
    expect(sums.length).toBeGreaterThan(1);
    for (const s of sums) expect(s.args.length).toBeLessThanOrEqual(MAX_ARGUMENTS);
    expect(opsOf(program).add).toBe(N - 1);
    const env = Object.fromEntries(Array.from({ length: N }, (_, k) => [`u${k}`, Math.sin(k + 1)]));
    const direct = Array.from({ length: N }, (_, k) => Math.sin(k + 1) * Math.tanh(Math.sin(k + 1))).reduce((s, v) => s + v, 0);
    expect(Math.abs(evaluate(program, env)[0] - direct)).toBeLessThan(1e-12);
  });
});
