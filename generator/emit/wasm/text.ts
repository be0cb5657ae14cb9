/**
 * WebAssembly text (WAT) spelled from TypeScript: constants spelled exactly, locals, loads and stores,
 * loops, functions as data (Func), and e^x / e^x − 1 inlined as the statements of fast-math.ts's _exp
 * and _expm1 in their order, so that wasm code computes the generated JavaScript's bits. Used by the
 * dense-layer backend (dense.ts, module.ts here) and by the prototype in test/bench/wasm/.
 */
import { EXP_TABLE_HI, EXP_TABLE_LO, INV_LN2_32, LN2_32_HI, LN2_32_LO } from "../fast-math.ts";

/** Largest |x| the exp table path takes (beyond it Math.exp/Math.expm1 answer), as in fast-math.ts. */
const TABLE_RANGE = 708;
/** Where the exp tables live in linear memory (byte offsets): 2^(j/32) high parts, then low parts. */
export const EXP_HI = 0;
export const EXP_LO = EXP_HI + 32 * 8;
/** First byte after the exp tables. */
export const EXP_TABLES_END = EXP_LO + 32 * 8;

// ---------------------------------------------------------------------------------------------------
// Small WAT spelling helpers.

/** An f64 constant spelled exactly (hexadecimal float), so no decimal parsing can change a bit. */
export function f64(value: number): string {
  if (Number.isNaN(value) || !Number.isFinite(value)) throw new Error(`f64: not a finite number: ${value}`);
  if (value === 0) return Object.is(value, -0) ? "(f64.const -0x0p+0)" : "(f64.const 0x0p+0)";
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, value);
  const hi = bits.getUint32(0);
  const lo = bits.getUint32(4);
  const sign = hi >>> 31 ? "-" : "";
  const exponent = (hi >>> 20) & 0x7ff;
  const mantissa = ((hi & 0xfffff).toString(16).padStart(5, "0") + lo.toString(16).padStart(8, "0")).replace(/0+$/, "");
  const frac = mantissa ? `.${mantissa}` : "";
  return exponent === 0
    ? `(f64.const ${sign}0x0${frac}p-1022)`
    : `(f64.const ${sign}0x1${frac}p${exponent - 1023})`;
}
export const i32 = (value: number) => `(i32.const ${value})`;
export const get = (name: string) => `(local.get $${name})`;
export const set = (name: string, value: string) => `(local.set $${name} ${value})`;
export const add32 = (a: string, b: string) => `(i32.add ${a} ${b})`;
export const load = (address: string, offset = 0) => `(f64.load${offset ? ` offset=${offset}` : ""} ${address})`;
export const store = (address: string, value: string, offset = 0) =>
  `(f64.store${offset ? ` offset=${offset}` : ""} ${address} ${value})`;
export const range = (n: number) => Array.from({ length: n }, (_, k) => k);
export const locals = (type: string, names: readonly string[]) => names.map((n) => `(local $${n} ${type})`).join(" ");
export const indent = (text: string, by = "  ") => text.replace(/^(?=.)/gm, by);

export type ValueType = "i32" | "f64" | "v128";
/** A function before printing: parameters and locals by name, and its body's statements. */
export interface Func {
  readonly name: string;
  readonly params: readonly (readonly [string, ValueType])[];
  readonly result?: ValueType;
  readonly locals: readonly (readonly [string, ValueType])[];
  readonly body: string;
}
export const typed = (type: ValueType, names: readonly string[]) => names.map((n) => [n, type] as const);
export const i32Params = (...names: string[]) => typed("i32", names);

export function printFunc(f: Func, exportAs?: string): string {
  const params = f.params.map(([n, t]) => `(param $${n} ${t})`).join(" ");
  const header = [`(func $${f.name}`, exportAs ? `(export "${exportAs}")` : "", params, f.result ? `(result ${f.result})` : ""].filter(Boolean).join(" ");
  const declared = f.locals.map(([n, t]) => `(local $${n} ${t})`).join(" ");
  return `${header}\n  ${declared}\n${indent(f.body)})`;
}


/** `body` while `condition` holds, checked before each pass. */
export function whileLoop(label: string, condition: string, body: string): string {
  return `(block $${label}_end (loop $${label}\n  (br_if $${label}_end (i32.eqz ${condition}))\n${indent(body)}\n  (br $${label})))`;
}
/** `body` `count` ≥ 1 times, counting the local `counter` down. */
export function repeat(label: string, counter: string, count: string, body: string): string {
  const decrement = `(local.tee $${counter} (i32.sub ${get(counter)} (i32.const 1)))`;
  return `${set(counter, count)}\n(loop $${label}\n${indent(body)}\n  (br_if $${label} ${decrement}))`;
}

/** The little-endian bytes of doubles as a WAT data string. */
export function dataString(values: readonly number[]): string {
  const bytes = new Uint8Array(Float64Array.from(values).buffer);
  return Array.from(bytes, (b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
}



// ---------------------------------------------------------------------------------------------------
// e^x and e^x − 1, inlined: the statements of fast-math.ts's _exp and _expm1, in their order.

/** out = Math.round(v) as V8 computes it: ceil(v), minus one if that is more than ½ above v. */
export function mathRoundInto(out: string, v: string, ceil: string): string {
  return [
    set(out, v),
    set(ceil, `(f64.ceil ${get(out)})`),
    set(out, `(select (f64.sub ${get(ceil)} ${f64(1)}) ${get(ceil)} (f64.gt (f64.sub ${get(ceil)} ${f64(0.5)}) ${get(out)}))`),
  ].join("\n");
}

/** 1/2! + t/3! + … + t^(last−2)/last! in Horner form into `name`, as fast-math.ts's taylorTail. */
function taylorTail(name: string, t: string, last: number): string {
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const lines = [set(name, f64(1 / factorial(last)))];
  for (let n = last - 1; n >= 2; n--) lines.push(set(name, `(f64.add ${f64(1 / factorial(n))} (f64.mul ${t} ${get(name)}))`));
  return lines.join("\n");
}

/** The locals the inlined exp/expm1 use. */
export const EXP_LOCALS = ["ex_ax", "ex_k", "ex_ceil", "ex_r", "ex_hi", "ex_scale", "ex_tail", "ex_small", "ex_scaled", "ex_sum", "ex_back", "ex_error"];
export const EXP_I32_LOCALS = ["ex_ki", "ex_j"];

/** 2^m, m an i32 expression in −1022 … 1023: the exponent field m + 1023 and mantissa 0 (exact). */
const powerOfTwo = (m: string) => `(f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add ${m} (i32.const 1023))) (i64.const 52)))`;

/** x = k·ln2/32 + r; then hi = 2^(j/32)'s high part, and (`scale`) ex_scale = 2^(k>>5), for |x| < 708. */
function reduce(x: string, scale = true): string {
  return [
    mathRoundInto("ex_k", `(f64.mul ${x} ${f64(INV_LN2_32)})`, "ex_ceil"),
    set("ex_r", `(f64.sub (f64.sub ${x} (f64.mul ${get("ex_k")} ${f64(LN2_32_HI)})) (f64.mul ${get("ex_k")} ${f64(LN2_32_LO)}))`),
    set("ex_ki", `(i32.trunc_f64_s ${get("ex_k")})`),
    set("ex_j", `(i32.shl (i32.and ${get("ex_ki")} (i32.const 31)) (i32.const 3))`), // byte offset in a table
    set("ex_hi", load(get("ex_j"), EXP_HI)),
    ...(scale ? [set("ex_scale", powerOfTwo(`(i32.shr_s ${get("ex_ki")} (i32.const 5))`))] : []), // k >> 5 in −1022 … 1021
    taylorTail("ex_tail", get("ex_r"), 6),
  ].join("\n");
}

/** hi + (lo + hi·(r + r²·tail)) — 2^(j/32)·e^r as fast-math.ts sums it (without the scale). */
const tableTerm = () =>
  `(f64.add ${load(get("ex_j"), EXP_LO)} (f64.mul ${get("ex_hi")} (f64.add ${get("ex_r")} (f64.mul (f64.mul ${get("ex_r")} ${get("ex_r")}) ${get("ex_tail")}))))`;

/** Beyond these e^x overflows to +∞ or underflows to 0 (fdlibm's o_threshold and u_threshold). */
const EXP_OVERFLOW = 709.782712893384;
const EXP_UNDERFLOW = -745.1332191019411;

/**
 * e^x into `out` for x outside |x| < 708 without Math.exp: NaN, +∞ and 0 beyond the thresholds, else
 * the table path with 2^(k>>5) applied as two exact powers of two (k>>5 reaches −1077 … 1024, past the
 * normal exponents), so a subnormal or huge result is rounded once. Within 1 ulp of Math.exp.
 */
function expOutsideInto(x: string, out: string, label: string): string {
  const half = `(i32.shr_s (i32.shr_s ${get("ex_ki")} (i32.const 5)) (i32.const 1))`;
  const otherHalf = `(i32.sub (i32.shr_s ${get("ex_ki")} (i32.const 5)) ${half})`;
  return [
    `(if (f64.ne ${get(x)} ${get(x)}) (then ${set(out, `(f64.add ${get(x)} ${get(x)})`)} (br $${label})))`,
    `(if (f64.gt ${get(x)} ${f64(EXP_OVERFLOW)}) (then ${set(out, "(f64.const inf)")} (br $${label})))`,
    `(if (f64.lt ${get(x)} ${f64(EXP_UNDERFLOW)}) (then ${set(out, f64(0))} (br $${label})))`,
    reduce(get(x), false),
    set(out, `(f64.mul (f64.mul ${powerOfTwo(half)} (f64.add ${get("ex_hi")} ${tableTerm()})) ${powerOfTwo(otherHalf)})`),
    `(br $${label})`,
  ].join("\n");
}

/** Statements leaving e^x in local `out` (x: a local's name), as _exp. */
export function expInto(x: string, out: string, label: string, mathImports: boolean): string {
  const outside = mathImports ? `${set(out, `(call $mathExp ${get(x)})`)} (br $${label})` : `\n${indent(expOutsideInto(x, out, label), "    ")}`;
  return `(block $${label}
${indent(`(if (i32.eqz (f64.lt (f64.abs ${get(x)}) ${f64(TABLE_RANGE)}))
  (then ${outside}))
${reduce(get(x))}
${set(out, `(f64.mul ${get("ex_scale")} (f64.add ${get("ex_hi")} ${tableTerm()}))`)}`)})`;
}

/**
 * e^x − 1 into `out` for x outside 0 < |x| < 708 without Math.expm1: NaN and ±0 as they are, −1 below
 * −708, and e^x above 708 (where the − 1 cannot change the rounded result).
 */
function expm1OutsideInto(x: string, out: string, label: string): string {
  return [
    `(if (f64.ne ${get(x)} ${get(x)}) (then ${set(out, `(f64.add ${get(x)} ${get(x)})`)} (br $${label})))`,
    `(if (f64.eq ${get(x)} ${f64(0)}) (then ${set(out, get(x))} (br $${label})))`,
    `(if (f64.lt ${get(x)} ${f64(0)}) (then ${set(out, f64(-1))} (br $${label})))`,
    expOutsideInto(x, out, label),
  ].join("\n");
}

/** Statements leaving e^x − 1 in local `out`, as _expm1. */
export function expm1Into(x: string, out: string, label: string, mathImports: boolean): string {
  const small = [
    taylorTail("ex_small", get(x), 9),
    set(out, `(f64.add ${get(x)} (f64.mul (f64.mul ${get(x)} ${get(x)}) ${get("ex_small")}))`),
  ].join("\n");
  const outside = mathImports ? `${set(out, `(call $mathExpm1 ${get(x)})`)} (br $${label})` : `\n${indent(expm1OutsideInto(x, out, label), "    ")}`;
  return `(block $${label}
${indent(`${set("ex_ax", `(f64.abs ${get(x)})`)}
(if (i32.eqz (i32.and (f64.gt ${get("ex_ax")} ${f64(0)}) (f64.lt ${get("ex_ax")} ${f64(TABLE_RANGE)})))
  (then ${outside}))
(if (f64.lt ${get("ex_ax")} ${f64(0.0625)})
  (then
${indent(small, "    ")}
    (br $${label})))
${reduce(get(x))}
;; scale·hi − 1 = sum + error exactly (TwoSum), then the small terms.
${set("ex_scaled", `(f64.mul ${get("ex_scale")} ${get("ex_hi")})`)}
${set("ex_sum", `(f64.sub ${get("ex_scaled")} ${f64(1)})`)}
${set("ex_back", `(f64.sub ${get("ex_sum")} ${get("ex_scaled")})`)}
${set("ex_error", `(f64.add (f64.sub ${get("ex_scaled")} (f64.sub ${get("ex_sum")} ${get("ex_back")})) (f64.sub ${f64(-1)} ${get("ex_back")}))`)}
${set(out, `(f64.add ${get("ex_sum")} (f64.add ${get("ex_error")} (f64.mul ${get("ex_scale")} ${tableTerm()})))`)}`)})`;
}

