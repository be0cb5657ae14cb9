/**
 * e^x and e^x − 1 for generated code: `_exp` and `_expm1`, emitted into every module whose code calls
 * them (print-expr.ts spells the exp and expm1 ops so), so modules keep importing nothing.
 *
 * Why not Math.exp: V8 runs Math.exp as a call into its C++ fdlibm port, which TurboFan cannot inline;
 * the call costs about 8 ns and every live floating-point register is saved around it. The seed's
 * per-sample work is three exps and a log1p, so the call dominates it. `_exp` is short enough
 * (about 200 bytes of bytecode, under V8's 460-byte inlining limit) to be inlined into the sample loop,
 * and has no division: the seed's per-batch loop measured ~0.75–0.83× the time with Math.exp.
 *
 * Method (table-driven, as in Tang's exp): x = k·ln2/32 + r with |r| ≤ ln2/64, so
 * e^x = 2^(k>>5) · 2^((k&31)/32) · e^r. 2^(j/32) comes from a 32-entry table as a sum hi + lo (hi: the
 * double nearest 2^(j/32); lo: the double nearest what remains), e^r − 1 from its Taylor polynomial of
 * degree 6 (truncation error < 4e-18 relative), and 2^(k>>5) from a table of exact powers of two.
 * ln2/32 is split into LN2_32_HI (38 significant bits, so k·LN2_32_HI is exact for |k| < 2^15) and
 * LN2_32_LO, which makes r exact to a rounding. The result is within 1 ulp of Math.exp (93% of
 * doubles bitwise equal; test/fast-math.test.ts sweeps every range).
 *
 * Outside |x| < 708 (overflow near 709.78, subnormal results below −708, ±∞, NaN) `_exp` returns
 * Math.exp(x) itself, so every special case is Math.exp's.
 */
import type { StatementStructures } from "ts-morph";
import { CONST_DECLARATION, structureKind } from "./print.ts";

/** The names generated code calls e^x and e^x − 1 by. */
export const FAST_EXP = "_exp";
export const FAST_EXPM1 = "_expm1";

/** 2^(j/32), j = 0 … 31, rounded to the nearest double (computed with mpmath at 200 bits). */
export const EXP_TABLE_HI: readonly number[] = [
  1.0, 1.0218971486541166, 1.0442737824274138, 1.0671404006768237, 1.0905077326652577, 1.1143867425958924,
  1.1387886347566916, 1.1637248587775775, 1.189207115002721, 1.215247359980469, 1.241857812073484, 1.2690509571917332,
  1.2968395546510096, 1.3252366431597413, 1.3542555469368927, 1.383909881963832, 1.4142135623730951, 1.4451808069770467,
  1.4768261459394993, 1.5091644275934228, 1.5422108254079407, 1.5759808451078865, 1.6104903319492543, 1.645755478153965,
  1.681792830507429, 1.718619298122478, 1.7562521603732995, 1.7947090750031072, 1.8340080864093424, 1.8741676341103,
  1.9152065613971474, 1.9571441241754002,
];

/** 2^(j/32) − EXP_TABLE_HI[j], rounded to the nearest double. */
export const EXP_TABLE_LO: readonly number[] = [
  0.0, 5.109225028973444e-17, 8.551889705537965e-17, -7.899853966841582e-17, -3.046782079812471e-17,
  1.0410278456845571e-16, 8.912812676025408e-17, 3.8292048369240935e-17, 3.982015231465646e-17, -7.712630692681488e-17,
  4.658027591836937e-17, 2.667932131342186e-18, 2.5382502794888315e-17, -2.8587312100388614e-17, 7.70094837980299e-17,
  -6.770511658794786e-17, -9.667293313452913e-17, -3.0237581349939873e-17, -3.483994556892796e-17, -1.016455327754295e-16,
  7.949834809697621e-17, -1.0136916471278304e-17, 2.4707192569797888e-17, -1.0125679913674773e-16, 8.199010020581497e-17,
  -1.851380418263111e-17, 2.960140695448873e-17, 1.8227458427912087e-17, 3.283107224245627e-17, -6.122763413004143e-17,
  -1.0619946056195963e-16, 8.960767791036668e-17,
];

/** 32/ln2, and ln2/32 = LN2_32_HI + LN2_32_LO (HI with 38 significant bits). */
export const INV_LN2_32 = 46.16624130844683;
export const LN2_32_HI = 0.021660849392446835;
export const LN2_32_LO = 5.145609244655338e-14;

/** Largest |x| the table path takes; beyond it e^x overflows or is subnormal, and Math.exp answers. */
const TABLE_RANGE = 708;

const list = (values: readonly number[]) => values.map((v) => String(v)).join(", ");

/** The tables `_exp` and `_expm1` share. */
function tableStatements(): StatementStructures[] {
  return [
    {
      kind: structureKind("VariableStatement"),
      declarationKind: CONST_DECLARATION,
      docs: ["2^(j/32) as hi + lo, j = 0 ... 31 (the exp table)."],
      declarations: [
        { name: "_expHi", initializer: `new Float64Array([${list(EXP_TABLE_HI)}])` },
        { name: "_expLo", initializer: `new Float64Array([${list(EXP_TABLE_LO)}])` },
      ],
    },
    {
      kind: structureKind("VariableStatement"),
      declarationKind: CONST_DECLARATION,
      docs: ["2^m at _pow2[m + 1023], m = -1023 ... 1023: exact powers of two (the exp scale factors)."],
      declarations: [{ name: "_pow2", initializer: "_powersOfTwo()" }],
    },
    {
      kind: structureKind("Function"),
      name: "_powersOfTwo",
      returnType: "Float64Array",
      docs: [
        "Written as bit patterns: 2^m's biased exponent is m + 1023, its index, in the top 16 bits (sign, exponent, 4 fraction bits), little-endian; 2^-1023, subnormal, has fraction bit 51 alone. Doubling would box every value on the heap while the module loads, before V8 compiles this loop (66 KB of allocation).",
      ],
      statements: [
        "const table = new Float64Array(2047);",
        "const bits = new DataView(table.buffer);",
        "for (let k = 1; k < 2047; k++) bits.setUint16(8 * k + 6, k << 4, true);",
        "bits.setUint16(6, 8, true);",
        "return table;",
      ],
    },
  ];
}

/** x = k·ln2/32 + r: the statements that define k and r from x (|r| ≤ ln2/64). */
const REDUCE = [`const k = Math.round(x * ${INV_LN2_32});`, `const r = x - k * ${LN2_32_HI} - k * ${LN2_32_LO};`];

/**
 * Statements that leave in `name` the Horner form of 1/2! + t/3! + … + t^(last−2)/last!, which is
 * (e^t − 1 − t)/t² truncated after the term of degree `last`: one line per coefficient.
 */
function taylorTail(name: string, t: string, last: number): string[] {
  const lines = [`let ${name} = 1 / ${factorial(last)};`];
  for (let n = last - 1; n >= 2; n--) lines.push(`${name} = 1 / ${factorial(n)} + ${t} * ${name};`);
  return lines;
}
const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

function expFunction(): StatementStructures {
  return {
    kind: structureKind("Function"),
    name: FAST_EXP,
    parameters: [{ name: "x", type: "number" }],
    returnType: "number",
    docs: [
      "e^x within 1 ulp of Math.exp, inlined where Math.exp would be a call: x = k*ln2/32 + r, " +
        "e^x = 2^(k>>5) * 2^((k&31)/32) * e^r. Outside |x| < 708, Math.exp answers.",
    ],
    statements: [
      `if (!(Math.abs(x) < ${TABLE_RANGE})) return Math.exp(x);`,
      ...REDUCE,
      "const j = k & 31;",
      "const hi = _expHi[j]!;",
      ...taylorTail("tail", "r", 6), // e^r − 1 = r + r²·tail, to < 4e-18 relative for |r| ≤ ln2/64
      "return _pow2[(k >> 5) + 1023]! * (hi + (_expLo[j]! + hi * (r + r * r * tail)));",
    ],
  };
}

function expm1Function(): StatementStructures {
  return {
    kind: structureKind("Function"),
    name: FAST_EXPM1,
    parameters: [{ name: "x", type: "number" }],
    returnType: "number",
    docs: [
      "e^x - 1 within 1 ulp of Math.expm1: a Taylor polynomial for |x| < 1/16, else _exp's table with the " +
        "- 1 summed exactly. Outside 0 < |x| < 708, Math.expm1 answers.",
    ],
    statements: [
      "const ax = Math.abs(x);",
      `if (!(ax > 0 && ax < ${TABLE_RANGE})) return Math.expm1(x);`,
      "if (ax < 0.0625) {",
      ...taylorTail("small", "x", 9).map((line) => `  ${line}`), // to < 1e-18 relative for |x| < 1/16
      "  return x + x * x * small;",
      "}",
      ...REDUCE,
      "const j = k & 31;",
      "const hi = _expHi[j]!;",
      "const scale = _pow2[(k >> 5) + 1023]!;",
      ...taylorTail("tail", "r", 6),
      "// scale*hi - 1 = sum + error exactly (TwoSum), then the small terms.",
      "const scaled = scale * hi;",
      "const sum = scaled - 1;",
      "const back = sum - scaled;",
      "const error = scaled - (sum - back) + (-1 - back);",
      "return sum + (error + scale * (_expLo[j]! + hi * (r + r * r * tail)));",
    ],
  };
}

/** The fast exp helpers a module's code calls (and the tables they share), as module statements. */
export function fastMathStatements(uses: { exp: boolean; expm1: boolean }): StatementStructures[] {
  if (!uses.exp && !uses.expm1) return [];
  return [...tableStatements(), ...(uses.exp ? [expFunction()] : []), ...(uses.expm1 ? [expm1Function()] : [])];
}

/** Which of the fast exp helpers these function bodies call. */
export function fastMathUses(statements: readonly string[]): { exp: boolean; expm1: boolean } {
  return {
    exp: statements.some((s) => s.includes(`${FAST_EXP}(`)),
    expm1: statements.some((s) => s.includes(`${FAST_EXPM1}(`)),
  };
}
