/**
 * The e^x and e^x − 1 generated modules inline instead of calling Math.exp and Math.expm1
 * (generator/emit/fast-math.ts): their tables against exact integer arithmetic, and the functions, as the
 * emitter prints them, against V8's Math.exp and Math.expm1 (an independent C++ fdlibm port) over every
 * range, with V8's own answers outside 0 < |x| < 708.
 */
import { readdirSync, readFileSync } from "node:fs";
import { transformSync } from "esbuild";
import { describe, expect, it } from "vitest";
import { EXP_TABLE_HI, EXP_TABLE_LO, fastMathStatements, INV_LN2_32, LN2_32_HI, LN2_32_LO } from "../generator/emit/fast-math.ts";
import { printModule } from "../generator/emit/print.ts";
import { rng, uniform } from "./helpers.ts";

type Unary = (x: number) => number;
/** `_exp` and `_expm1` compiled from the printed statements (TypeScript → JavaScript by esbuild). */
function printedHelpers(): { exp: Unary; expm1: Unary; pow2: Float64Array } {
  const ts = printModule({ statements: fastMathStatements({ exp: true, expm1: true }) });
  const js = transformSync(ts, { loader: "ts" }).code;
  return new Function(`${js}\nreturn { exp: _exp, expm1: _expm1, pow2: _pow2 };`)() as { exp: Unary; expm1: Unary; pow2: Float64Array };
}
const { exp, expm1, pow2 } = printedHelpers();

const bits = new BigInt64Array(1);
const doubles = new Float64Array(bits.buffer);
/** The double as an exact integer multiple of a power of two: x = mantissa · 2^exponent. */
function exact(x: number): { mantissa: bigint; exponent: number } {
  doubles[0] = x;
  const b = bits[0];
  const biased = Number((b >> 52n) & 0x7ffn);
  const fraction = b & 0xfffffffffffffn;
  const magnitude = biased === 0 ? fraction : fraction | (1n << 52n);
  return { mantissa: b < 0n ? -magnitude : magnitude, exponent: (biased === 0 ? 1 : biased) - 1075 };
}
/** x · 2^scale as an exact integer (scale large enough that no bits are lost). */
function scaled(x: number, scale: number): bigint {
  const { mantissa, exponent } = exact(x);
  return mantissa << BigInt(exponent + scale);
}
/** floor(a^(1/n)) for a non-negative integer a (Newton's method on integers). */
function integerRoot(a: bigint, n: bigint): bigint {
  let x = 1n << BigInt(Math.ceil(a.toString(2).length / Number(n)) + 1);
  for (;;) {
    const next = ((n - 1n) * x + a / x ** (n - 1n)) / n;
    if (next >= x) return x;
    x = next;
  }
}
/** Distance in units in the last place between two finite doubles. */
function ordinal(x: number): bigint {
  doubles[0] = x;
  return bits[0] < 0n ? -(bits[0] & 0x7fffffffffffffffn) : bits[0];
}
const ulps = (a: number, b: number) => Math.abs(Number(ordinal(a) - ordinal(b)));

describe("_exp's constants", () => {
  it("_pow2[m + 1023] = 2^m exactly, m = -1023 … 1023 (the scale factors, written as bit patterns)", () => {
    expect(pow2.length).toBe(2047);
    const wrong = [...pow2.keys()].filter((k) => scaled(pow2[k]!, 1100) !== 1n << BigInt(k - 1023 + 1100));
    expect(wrong.map((k) => `2^${k - 1023}: ${pow2[k]}`)).toEqual([]);
  });

  const S = 200; // fractional bits of the exact references
  it.each(EXP_TABLE_HI.map((_, j) => j))("2^(%i/32) = hi + lo: hi the nearest double, lo the nearest double to the rest", (j) => {
    const reference = integerRoot(1n << BigInt(j + 32 * S), 32n); // floor(2^(j/32) · 2^S)
    const hi = EXP_TABLE_HI[j];
    const halfUlpHi = 1n << BigInt(exact(hi).exponent + S - 1);
    const restHi = reference - scaled(hi, S);
    expect(restHi < 0n ? -restHi : restHi).toBeLessThanOrEqual(halfUlpHi);
    const lo = EXP_TABLE_LO[j];
    const rest = restHi - scaled(lo, S);
    // lo is the nearest double to the rest (half an ulp of lo, plus the reference's floor).
    const halfUlpLo = lo === 0 ? 1n : 1n << BigInt(exact(lo).exponent + S - 1);
    expect(rest < 0n ? -rest : rest).toBeLessThanOrEqual(halfUlpLo + 1n);
  });

  it("ln2/32 = HI + LO, HI with at most 38 significant bits; 32/ln2 to the nearest double", () => {
    expect(exact(LN2_32_HI).mantissa % (1n << 15n)).toBe(0n); // 53 − 15 = 38 bits
    expect(Math.abs(LN2_32_HI + LN2_32_LO - Math.LN2 / 32)).toBeLessThan(2e-18);
    expect(ulps(INV_LN2_32, 32 / Math.LN2)).toBeLessThanOrEqual(1);
  });
});

describe("_exp as generated modules print it", () => {
  const ranges: [string, number, number][] = [
    ["the table path, −708 to 708", -708, 708],
    ["−20 to 20", -20, 20],
    ["−1 to 1", -1, 1],
    ["within one table step, ±ln2/64", -Math.LN2 / 64, Math.LN2 / 64],
    ["small, ±1e-6", -1e-6, 1e-6],
    ["near the edge, 707 to 708", 707, 708],
    ["near the edge, −708 to −707", -708, -707],
  ];
  it.each(ranges)("within 1 ulp of Math.exp: %s", (name, lo, hi) => {
    const random = rng(`fast-exp/${name}`);
    let worst = 0;
    for (let i = 0; i < 50_000; i++) {
      const x = uniform(random, lo, hi);
      worst = Math.max(worst, ulps(exp(x), Math.exp(x)));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("within 1 ulp of Math.exp for tiny |x| (1e-300 to 1e-8, both signs)", () => {
    const random = rng("fast-exp/tiny");
    for (let i = 0; i < 20_000; i++) {
      const x = (random() < 0.5 ? -1 : 1) * 10 ** uniform(random, -300, -8);
      expect(ulps(exp(x), Math.exp(x))).toBeLessThanOrEqual(1);
    }
  });

  it("is Math.exp itself outside |x| < 708: overflow, subnormal results, ±∞, NaN", () => {
    const random = rng("fast-exp/outside");
    const outside = [708, 709.78, 709.79, 710, 1e300, -708, -745.13, -745.14, -746, -1e300, Infinity, -Infinity];
    for (let i = 0; i < 2000; i++) outside.push(uniform(random, 708, 710), uniform(random, -746, -708));
    for (const x of outside) expect(exp(x)).toBe(Math.exp(x));
    expect(exp(NaN)).toBeNaN();
  });

  it("is exact where e^x is: e^0 = e^−0 = 1", () => {
    expect(exp(0)).toBe(1);
    expect(exp(-0)).toBe(1);
  });
});

describe("_expm1 as generated modules print it", () => {
  const ranges: [string, number, number][] = [
    ["the table path, −708 to 708", -708, 708],
    ["tanh's arguments below |z| = 1: −2 to 0", -2, 0],
    ["tanh's arguments from |z| = 1: 2 to 50", 2, 50],
    ["the polynomial, ±1/16", -0.0625, 0.0625],
    ["across the switch to the table, ±(0.05 to 0.08)", 0.05, 0.08],
    ["first table steps, ±(0.01 to 0.05)", 0.01, 0.05],
  ];
  it.each(ranges)("within 1 ulp of Math.expm1: %s", (name, lo, hi) => {
    const random = rng(`fast-expm1/${name}`);
    let worst = 0;
    for (let i = 0; i < 50_000; i++) {
      const x = uniform(random, lo, hi);
      worst = Math.max(worst, ulps(expm1(x), Math.expm1(x)), ulps(expm1(-x), Math.expm1(-x)));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("within 1 ulp of Math.expm1 for tiny |x| (1e-300 to 1e-8, both signs), where e^x − 1 would lose every digit", () => {
    const random = rng("fast-expm1/tiny");
    for (let i = 0; i < 20_000; i++) {
      const x = (random() < 0.5 ? -1 : 1) * 10 ** uniform(random, -300, -8);
      expect(ulps(expm1(x), Math.expm1(x))).toBeLessThanOrEqual(1);
    }
  });

  it("is Math.expm1 itself at ±0 (keeping the sign), outside |x| < 708, at ±∞ and NaN", () => {
    const random = rng("fast-expm1/outside");
    const outside = [0, -0, 708, 709.78, 709.79, 710, -708, -745.2, -1e300, Infinity, -Infinity];
    for (let i = 0; i < 2000; i++) outside.push(uniform(random, 708, 710), uniform(random, -800, -708));
    for (const x of outside) expect(expm1(x)).toBe(Math.expm1(x)); // toBe: Object.is, so −0 ≠ 0
    expect(expm1(NaN)).toBeNaN();
  });
});

describe("generated modules", () => {
  const dir = new URL("../generated/", import.meta.url);
  const modules = readdirSync(dir).filter((f) => f.endsWith(".ts") && f !== "index.ts");
  const helpers = [
    ["_exp", "Math.exp"],
    ["_expm1", "Math.expm1"],
  ] as const;
  it.each(modules.flatMap((file) => helpers.map(([helper, builtin]) => [file, helper, builtin])))(
    "%s calls %s, which it defines once, and %s only in its fallback",
    (file, helper, builtin) => {
      const text = readFileSync(new URL(file, dir), "utf8");
      const count = (pattern: RegExp) => text.match(pattern)?.length ?? 0;
      const calls = count(new RegExp(`\\b${helper}\\(`, "g"));
      const builtinCalls = count(new RegExp(`${builtin.replace(".", "\\.")}\\(`, "g"));
      if (calls === 0) {
        expect(builtinCalls).toBe(0);
        return;
      }
      expect(count(new RegExp(`^function ${helper}\\(`, "gm"))).toBe(1);
      expect(builtinCalls).toBe(1);
    },
  );
});
