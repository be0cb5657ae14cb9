/**
 * The op table (ops.ts) and the cost model (cost.ts): ranks are explicit, so the order of the table's
 * rows means nothing; and what the printer writes for each assignment costs what the counts say.
 */
import { describe, expect, it } from "vitest";
import { checkedRanks, OP_RANK, OPS, type Op } from "../generator/symbolic/ops.ts";
import { assignmentCost, MAX_UNROLLED_POWER } from "../generator/symbolic/cost.ts";
import { printAssignment } from "../generator/emit/print-expr.ts";
import type { Operand } from "../generator/symbolic/schedule.ts";
import { operandCode } from "../generator/emit/batch.ts";

describe("op ranks", () => {
  it("do not depend on the order of the table's rows", () => {
    const ops = Object.keys(OPS) as Op[];
    for (const order of [[...ops].sort(), [...ops].reverse()]) {
      const reordered = Object.fromEntries(order.map((op) => [op, OPS[op]])) as typeof OPS;
      expect(Object.keys(reordered)).toEqual(order);
      expect(checkedRanks(reordered)).toEqual(OP_RANK);
    }
  });

  it("are refused when two ops share one, or when constants and symbols do not come first", () => {
    expect(() => checkedRanks({ ...OPS, tanh: { ...OPS.tanh, rank: OPS.exp.rank } })).toThrow(/op (exp|tanh) has rank 5, as (exp|tanh) has/);
    expect(() => checkedRanks({ ...OPS, sym: { ...OPS.sym, rank: 100 } })).toThrow(/num must have the lowest rank and sym the next one/);
    expect(() => checkedRanks({ ...OPS, add: { ...OPS.add, rank: -1 } })).toThrow(/num must have the lowest rank/);
  });
});

/** Operators in printed code, by the cost model's kinds. */
function countPrinted(code: string): Record<string, number> {
  const counts: Record<string, number> = {
    mul: (code.match(/\*/g) ?? []).length,
    div: (code.match(/\//g) ?? []).length,
    add: (code.match(/ \+ /g) ?? []).length,
    neg: (code.match(/(^|\()-[a-z_(]/g) ?? []).length,
    sqrt: (code.match(/Math\.sqrt/g) ?? []).length,
    pow: (code.match(/Math\.pow/g) ?? []).length,
  };
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

const costOf = (op: Op, args: readonly Operand[]) =>
  Object.fromEntries(assignmentCost(op, args).filter(([, n]) => n > 0));

describe("the cost model and the printer agree", () => {
  const t = (index: number): Operand => ({ kind: "temp", index });
  const n = (value: number): Operand => ({ kind: "num", value });
  const cases: [Op, Operand[]][] = [
    ...[-7, -5, -4, -3, -2, -1, 2, 3, 4, 5, 0.5, -0.5, 1.5, -2.5].map((e): [Op, Operand[]] => ["pow", [t(0), n(e)]]),
    ["pow", [t(0), t(1)]],
    ["mul", [n(-1), t(0)]],
    ["mul", [n(-1), t(0), t(1), t(2)]],
    ["mul", [n(3), t(0), t(1)]],
    ["add", [t(0), t(1), t(2)]],
  ];
  it.each(cases.map(([op, args]) => [`${op}(${args.map((o) => operandCode(o, (i) => `t${i}`)).join(", ")})`, op, args] as const))(
    "%s",
    (_, op, args) => {
      const code = printAssignment(op, args, args.map((o) => operandCode(o, (i) => `t${i}`)));
      expect(countPrinted(code), code).toEqual(costOf(op, args));
    },
  );

  it("unrolls integer powers up to MAX_UNROLLED_POWER only", () => {
    const code = (e: number) => printAssignment("pow", [{ kind: "temp", index: 0 }, { kind: "num", value: e }], ["t0", String(e)]);
    expect(code(MAX_UNROLLED_POWER)).toBe(Array(MAX_UNROLLED_POWER).fill("t0").join(" * "));
    expect(code(MAX_UNROLLED_POWER + 1)).toBe(`Math.pow(t0, ${MAX_UNROLLED_POWER + 1})`);
  });
});
