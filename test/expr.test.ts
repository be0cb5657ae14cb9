import { describe, expect, expectTypeOf, it } from "vitest";
import { execFileSync } from "node:child_process";
import {
  add, diff, div, evaluate, ProgramInterpreter, schedule, exp, gradient, log, mul, neg, num, pow, relu, show, sigmoid, sqrt, sub, sym, symbols, tanh,
} from "../generator/index.ts";
import { CompoundTable, NAME_SEPARATORS, type Expr } from "../generator/symbolic/expr.ts";

const [x, y, z] = symbols("x y z");

describe("hash-consing", () => {
  it("returns the same node for the same (op, args)", () => {
    expect(add(mul(2, x), y)).toBe(add(mul(2, x), y));
    expect(sym("x")).toBe(x);
    expect(num(0.5)).toBe(num(0.5));
    expect(num(-0)).toBe(num(0));
  });

  it("orders commutative arguments structurally, whatever the build order", () => {
    expect(add(x, y, z)).toBe(add(z, y, x));
    expect(mul(z, add(y, x), 3)).toBe(mul(3, add(x, y), z));
    expect(add(mul(x, y), sigmoid(z), 1)).toBe(add(1, sigmoid(z), mul(y, x)));
  });

  it("folds constants in one order whatever the build order (float sums are not associative)", () => {
    expect(add(mul(0.1, x), mul(0.2, x), mul(0.3, x))).toBe(add(mul(0.3, x), mul(0.2, x), mul(0.1, x)));
    expect(add(0.1, 0.2, 0.3, x)).toBe(add(x, 0.3, 0.2, 0.1));
    expect(mul(0.1, 3, 7, x)).toBe(mul(x, 7, 3, 0.1));
  });

  it("tells apart compound nodes whose hashes collide (CompoundTable, every hash equal)", () => {
    const table = new CompoundTable(() => 7);
    const nodes = [mul(x, y), mul(x, z), add(x, y), exp(x), mul(y, z)];
    expect(nodes.map((n) => table.find(n.op, n.args))).toEqual(nodes.map(() => undefined));
    for (const n of nodes) table.add(n);
    for (const n of nodes) expect(table.find(n.op, n.args)).toBe(n);
    expect(table.find("mul", [y, x])).toBeUndefined(); // arguments in another order: another node
    expect(table.find("add", [x, z])).toBeUndefined();
  });

  it("is the same expression in a different process with a different build order", () => {
    // Two processes create the symbols and the nodes in opposite orders; text and schedule must agree.
    const run = (build: string) =>
      execFileSync(
        "npx",
        ["tsx", "--eval", `import { add, mul, sigmoid, symbols, show, schedule, showProgram } from "./generator/index.ts";
          ${build}
          console.log(show(e) + "\\n" + showProgram(schedule([e])));`],
        { encoding: "utf8" },
      ).trim();
    const forward = run(`const [x, y, z] = symbols("x y z"); const e = add(mul(y, x), mul(x, sigmoid(add(y, z))));`);
    const backward = run(`const [z, y, x] = symbols("z y x"); const s = sigmoid(add(z, y)); const e = add(mul(s, x), mul(x, y));`);
    expect(backward).toBe(forward);
    expect(forward.split("\n")[0]).toBe(show(add(mul(y, x), mul(x, sigmoid(add(y, z))))));
  });
});

describe("canonicalization on construction", () => {
  it.each([
    ["constant folding", add(2, 3, mul(2, 4)), num(13)],
    ["flattening", add(x, add(y, add(z, 1))), add(x, y, z, 1)],
    ["x + 0 → x", add(x, 0), x],
    ["x·1 → x", mul(x, 1), x],
    ["x·0 → 0", mul(x, 0, sigmoid(y)), num(0)],
    ["x − x → 0", sub(x, x), num(0)],
    ["2x + 3x → 5x", add(mul(2, x), mul(3, x)), mul(5, x)],
    ["x·x → x²", mul(x, x), pow(x, 2)],
    ["x·x⁻¹ → 1 (like SymPy, x/x = 1 without asking whether x = 0)", div(x, x), num(1)],
    ["x²·x³ → x⁵", mul(pow(x, 2), pow(x, 3)), pow(x, 5)],
    ["(x²)³ → x⁶", pow(pow(x, 2), 3), pow(x, 6)],
    ["exp(a)⁻¹ → exp(−a)", pow(exp(x), -1), exp(neg(x))],
    ["−(−x) → x", neg(neg(x)), x],
    ["x⁰ → 1", pow(x, 0), num(1)],
    ["exp(0) → 1", exp(0), num(1)],
  ])("%s", (_, built, expected) => {
    expect(built).toBe(expected);
  });
});

describe("show", () => {
  it.each([
    [add(mul(sym("w11"), sym("x1")), mul(sym("w12"), sym("x2")), sym("b1")), "b1 + w11*x1 + w12*x2"],
    [div(1, add(1, exp(neg(x)))), "1/(exp(-x) + 1)"],
    [sub(1, y), "1 - y"],
    [mul(-2, x, y), "-2*x*y"],
    [pow(add(x, 1), 2), "(x + 1)**2"],
    [sqrt(x), "sqrt(x)"],
    [div(x, mul(y, z)), "x/(y*z)"],
    [sigmoid(add(x, mul(-1, y))), "sigmoid(x - y)"],
    [mul(-1, add(x, y)), "-(x + y)"],
    [relu(tanh(x)), "relu(tanh(x))"],
  ])("%s", (e, text) => {
    expect(show(e)).toBe(text);
  });
});

describe("symbols", () => {
  // The type assertions are checked by `npm run typecheck` (tsc reads the tests), not when vitest runs.
  it("types a literal's names as a tuple, so destructured names are Expr under noUncheckedIndexedAccess", () => {
    expectTypeOf(symbols("w1 w2 b")).toEqualTypeOf<[Expr, Expr, Expr]>();
    expectTypeOf(symbols(" a,b ,\n c\t")).toEqualTypeOf<[Expr, Expr, Expr]>();
    expectTypeOf(symbols("x")).toEqualTypeOf<[Expr]>();
    expectTypeOf(symbols("a\u00a0b\u3000c")).toEqualTypeOf<[Expr, Expr, Expr]>();
    const known = "a b" as string;
    expectTypeOf(symbols(known)).toEqualTypeOf<Expr[]>();
    const long = Array.from({ length: 120 }, (_, i) => `x${i}`).join(" "); // a string, not a literal
    expectTypeOf(symbols(long)).toEqualTypeOf<Expr[]>();
    expectTypeOf(symbols(`w${known}`)).toEqualTypeOf<Expr[]>(); // a pattern: the names are unknown
    expectTypeOf(symbols(Math.random() > 2 ? "a" : "b c")).toEqualTypeOf<[Expr] | [Expr, Expr]>();
    // A literal longer than 400 characters is typed Expr[] (TypeScript limits how deep a type recurses):
    const names = "w_00 w_01 w_02 w_03 w_04 w_05 w_06 w_07 w_08 w_09 w_10 w_11 w_12 w_13 w_14 w_15 w_16 w_17 w_18 w_19 w_20 w_21 w_22 w_23 w_24 w_25 w_26 w_27 w_28 w_29 w_30 w_31 w_32 w_33 w_34 w_35 w_36 w_37 w_38 w_39 w_40 w_41 w_42 w_43 w_44 w_45 w_46 w_47 w_48 w_49 w_50 w_51 w_52 w_53 w_54 w_55 w_56 w_57 w_58 w_59 w_60 w_61 w_62 w_63 w_64 w_65 w_66 w_67 w_68 w_69 w_70 w_71 w_72 w_73 w_74 w_75 w_76 w_77 w_78 w_79 w_80 w_81 w_82 w_83 w_84 w_85 w_86 w_87 w_88 w_89 w_90 w_91 w_92 w_93 w_94 w_95 w_96 w_97 w_98 w_99";
    expect(names.length).toBeGreaterThan(400);
    expectTypeOf(symbols(names)).toEqualTypeOf<Expr[]>();
    expect(symbols(names)).toHaveLength(100);
    expectTypeOf(symbols(names.slice(0, 99))).toEqualTypeOf<Expr[]>(); // slice: a string, not a literal
    expect(symbols(" a,b ,\n c\t").map(show)).toEqual(["a", "b", "c"]);
    expect(symbols("a\u00a0b\u3000c")).toHaveLength(3);
  });

  it("splits where its type does: NAME_SEPARATORS is exactly the comma and the characters of \\s", () => {
    const separators = new Set<string>(NAME_SEPARATORS);
    for (let code = 0; code <= 0xffff; code++) {
      const c = String.fromCharCode(code);
      expect(separators.has(c), `U+${code.toString(16)}`).toBe(/[\s,]/.test(c));
    }
  });
});

describe("errors at the call that caused them", () => {
  it.each([
    ["not an identifier", () => sym("1x"), /"1x" is not a JavaScript identifier/],
    ["a space", () => symbols("x y-z"), /"y-z" is not a JavaScript identifier/],
    ["an empty name", () => sym(""), /"" is not a JavaScript identifier/],
    ["an escape sequence", () => sym("\\u0061"), /is not a JavaScript identifier/],
    ["a reserved word", () => sym("class"), /"class" is a reserved word/],
    ["a strict-mode reserved word", () => sym("let"), /"let" is a reserved word/],
    ["await", () => sym("await"), /"await" is a reserved word/],
    ["a name that is not a string", () => sym(3 as never), /symbol name must be a string, got number/],
    ["NaN constant", () => num(NaN), /finite number, got NaN/],
    ["Infinity constant", () => add(x, Infinity), /finite number, got Infinity/],
    ["-Infinity constant", () => mul(x, -Infinity), /finite number, got -Infinity/],
    ["diff by an expression", () => diff(mul(x, y), add(x, 1)), /with respect to a symbol, got a add expression/],
    ["diff by a number", () => diff(x, 3 as never), /with respect to a symbol/],
    ["gradient by an expression", () => gradient(x, [x, mul(2, y)]), /argument 1.*symbol/],
    ["evaluate without a variable", () => evaluate(add(x, y), { x: 1 }), /no value for variable "y"/],
    ["a non-expression argument", () => add(x, "y" as never), /expected an Expr or a number, got string y/],
  ])("%s", (_, call, message) => {
    expect(call).toThrow(message);
  });
});

describe("evaluate", () => {
  it("evaluates the issue's example", () => {
    const [x1, x2, w11, w12, b1] = symbols("x1 x2 w11 w12 b1");
    const zz = add(mul(w11, x1), mul(w12, x2), b1);
    expect(evaluate(zz, { x1: 0.5, x2: -1, w11: 2, w12: 3, b1: 0.1 })).toBeCloseTo(-1.9, 15);
  });

  it("names the unknown input a program interpreter is given", () => {
    const interpreter = new ProgramInterpreter(schedule([add(x, y)]));
    expect(() => interpreter.setInput("w", 1)).toThrow(/no input "w" \(inputs: x, y\)/);
  });

  it("evaluates lists of expressions", () => {
    expect(evaluate([add(x, 1), log(y)], { x: 1, y: Math.E })).toEqual([2, 1]);
  });
});
