/**
 * A prototype: the WebAssembly text (WAT) of an MLP's mean loss and gradient over a batch, the same
 * function as a generated module's `lossAndGradient` for `mlp([inputs, h1, …, 1])` with tanh hidden
 * layers, a sigmoid output and binary cross-entropy with logits (e.g. generated/mlp_2_64_64_1.ts).
 *
 * It is written to be compared bitwise with the generated JavaScript, so it keeps its arithmetic:
 * - the batch in tiles of 256 samples, activations stored unit-major (unit u's samples in one run);
 * - z = b + Σᵢ wᵢ·aᵢ summed from the bias in input order; the weight gradient Σₛ dₛ·aₛ and the delta
 *   Σⱼ wⱼ·dⱼ summed from 0 in sample and unit order; per-tile sums added into grad, then divided by n;
 * - tanh through `_expm1` and the head's σ/BCE from one exp(−|z|), the same expressions in the same
 *   order, with the same table-driven exp/expm1 (tables from generator/emit/fast-math.ts) inlined, and
 *   JavaScript's Math.round (ties toward +∞) spelled out, as wasm's f64.nearest rounds ties to even.
 * Register blocks (2 units × 3 samples and so on) only choose which independent sums run together,
 * so they are free to differ from the generated code without changing a bit.
 *
 * The kernels take the layer's sizes and buffers as arguments (one function per kind of kernel,
 * whatever the layer count, or all in one function: `oneKernelFunction`): the module stays ~6 KB and
 * compiles in ~1.2 ms. By default it imports nothing (see WasmOptions.mathImports for how the loss's
 * log1p and e^x beyond |x| < 708 are handled); `mathImports` imports Math.exp, Math.expm1, Math.log1p.
 * See README.md beside this file for the measurements behind each choice.
 *
 * With `simd`, the forward and delta kernels run two samples per f64x2 lane pair: each lane keeps
 * its own sum in the same order, so the results stay bitwise equal. The weight gradient sums over
 * samples, which lanes would reorder, so it stays scalar.
 */
import {
  add32, EXP_HI, EXP_I32_LOCALS, EXP_LO, EXP_LOCALS, dataString, expInto, expm1Into, f64, get, i32, i32Params, indent, load,
  locals, mathRoundInto, printFunc, range, repeat, set, store, typed, whileLoop, type Func, type ValueType,
} from "../../../generator/emit/wasm/text.ts";
import {
  DEFAULT_SUB_TILE, deltaKernel, F64X2, forwardKernel, gradientKernel, loadInputsKernel, mlpLayout, onesFunction, passStatements, SCALAR, TILE,
  type Call, type MlpLayout,
} from "../../../generator/emit/wasm/dense.ts";
import { EXP_TABLE_HI, EXP_TABLE_LO } from "../../../generator/emit/fast-math.ts";

export { DEFAULT_SUB_TILE, TILE, mlpLayout, type MlpLayout };
export { add32, f64, get, i32, load, printFunc, repeat, set, store, typed, type Func, type ValueType };

export interface WasmOptions {
  /** f64x2 lanes over samples in the forward and delta kernels. */
  readonly simd?: boolean;
  /** Samples per pass through the layers (default DEFAULT_SUB_TILE). */
  readonly subTile?: number;
  /**
   * Import Math.exp, Math.expm1 and Math.log1p (bitwise equal everywhere). Without (the default), the
   * module imports nothing: its exports return no loss; instead the head stores each sample's e^(−|z|)
   * and its other loss term, and the wrapper sums log1p(·) + term in the generated code's order, in
   * JavaScript, bitwise the same. e^x and e^x − 1 outside |x| < 708 are computed in wasm, within
   * 1 ulp of Math.exp/Math.expm1 but not always bitwise equal (only there: output |z| of 708 … 745,
   * hidden |z| of 354 … 355; beyond those e^(−|z|) is 0 and tanh's e^(2|z|) − 1 is +∞ in both).
   * Why: V8 compiles a wrapper per imported function when the module is compiled, ~2 ms each time.
   */
  readonly mathImports?: boolean;
  /** All kernels in one function, dispatched on an argument (see mergeKernels). */
  readonly oneKernelFunction?: boolean;
  /** Kernels printed from the compiler's scheduled programs (program-kernels.ts) instead of the hand-written ones. */
  readonly printedKernels?: PrintedKernels;
}

/** Replacements for the hand-written kernels, with the same names, parameters and results. */
export interface PrintedKernels {
  /** tanh in place over `units` × m and tanh' into f: parameters (a, f, units, m), as tanhKernel. */
  readonly tanh?: (layout: MlpLayout, mathImports: boolean) => Func;
  /** The head, with headKernel's parameters and result (which depend on mathImports). */
  readonly head?: (layout: MlpLayout, mathImports: boolean) => Func;
}


/**
 * The kernels as one function that dispatches on its first argument (br_table): V8 then tiers up one
 * function instead of six, so fewer TurboFan jobs compete with the first call for this machine's two
 * cores. Each kernel's parameters become locals set from the shared i32 arguments; kernels whose
 * signature is not all-i32 without a result (the head with Math imports) stay separate.
 */
function mergeKernels(kernels: readonly Func[]): { readonly funcs: Func[]; readonly call: (name: string, args: readonly string[]) => string } {
  const mergeable = kernels.filter((k) => !k.result && k.params.every(([, t]) => t === "i32"));
  const arity = Math.max(...mergeable.map((k) => k.params.length));
  const locals = new Map<string, ValueType>();
  for (const k of mergeable)
    for (const [n, t] of [...k.params, ...k.locals]) {
      if (locals.has(n) && locals.get(n) !== t) throw new Error(`mergeKernels: ${n} is ${locals.get(n)} in one kernel and ${t} in ${k.name}`);
      locals.set(n, t);
    }
  const cases = mergeable.map((k, c) => {
    const params = k.params.map(([n], a) => set(n, get(`arg${a}`))).join(" ");
    return { label: `case${c}`, code: `${params}\n${k.body}` };
  });
  // (block $done (block $caseN … (block $case0 (br_table …)) case0 (br $done)) … caseN)
  let body = `(br_table ${cases.map((c) => `$${c.label}`).join(" ")} ${get("kind")})`;
  cases.forEach((c, k) => {
    body = `(block $${c.label}\n${indent(body)})\n${c.code}${k < cases.length - 1 ? "\n(br $done)" : ""}`;
  });
  const merged: Func = {
    name: "kernels",
    params: [["kind", "i32"], ...range(arity).map((a) => [`arg${a}`, "i32"] as const)],
    locals: [...locals],
    body: `(block $done\n${indent(body)})`,
  };
  const index = new Map(mergeable.map((k, c) => [k.name, c]));
  const call = (name: string, args: readonly string[]) => {
    const c = index.get(name);
    if (c === undefined) return `(call $${name} ${args.join(" ")})`;
    const padded = [...args, ...range(arity - args.length).map(() => i32(0))];
    return `(call $kernels ${i32(c)} ${padded.join(" ")})`;
  };
  return { funcs: [merged, ...kernels.filter((k) => !mergeable.includes(k))], call };
}

/** tanh in place over `units` × m, and tanh' into f: the generated _tanhForward's expressions. */
function tanhKernel(row: number, mathImports: boolean): Func {
  const v = (name: string) => get(name);
  const sample = [
    set("z", load(get("ap"))),
    set("t1", `(f64.abs ${v("z")})`),
    set("t2", `(f64.add ${f64(-1)} ${v("t1")})`),
    set("t5", `(select (f64.mul ${f64(2)} ${v("t1")}) (f64.mul ${f64(-2)} ${v("t1")}) (f64.ge ${v("t2")} ${f64(0)}))`),
    expm1Into("t5", "t6", "expm1", mathImports),
    set("t7", `(f64.add ${f64(2)} ${v("t6")})`),
    set("t8", `(f64.div ${f64(1)} ${v("t7")})`),
    set(
      "t12",
      `(select (f64.add ${f64(1)} (f64.mul ${f64(-2)} ${v("t8")})) (f64.mul (f64.neg ${v("t8")}) ${v("t6")}) (f64.ge ${v("t2")} ${f64(0)}))`,
    ),
    set(
      "t15",
      `(select (select ${v("z")} ${v("t12")} (f64.ge (f64.neg ${v("z")}) ${f64(0)})) (f64.neg ${v("t12")}) (f64.ge ${v("z")} ${f64(0)}))`,
    ),
    set("t16", `(f64.mul ${f64(2)} ${v("t8")})`),
    set("t20", `(f64.add (f64.neg (f64.mul ${v("t16")} ${v("t16")})) (f64.mul ${f64(4)} ${v("t8")}))`),
    store(get("ap"), v("t15")),
    store(get("fp"), v("t20")),
    set("ap", add32(get("ap"), i32(8))),
    set("fp", add32(get("fp"), i32(8))),
  ].join("\n");
  const unit = [
    set("ap", add32(get("a"), `(i32.mul ${get("j")} ${i32(row)})`)),
    set("fp", add32(get("f"), `(i32.mul ${get("j")} ${i32(row)})`)),
    repeat("samples", "s", get("m"), sample),
  ].join("\n");
  return {
    name: "tanh",
    params: i32Params("a", "f", "units", "m"),
    locals: [...typed("i32", ["j", "s", "unitsLeft", "ap", "fp", ...EXP_I32_LOCALS]), ...typed("f64", ["z", "t1", "t2", "t5", "t6", "t7", "t8", "t12", "t15", "t16", "t20", ...EXP_LOCALS])],
    body: [set("j", i32(0)), repeat("units", "unitsLeft", get("units"), [unit, set("j", add32(get("j"), i32(1)))].join("\n"))].join("\n"),
  };
}

/**
 * The head over the sub-tile (one sigmoid output, BCE with logits), with the generated
 * _headLossAndGradient's expressions: stores ∂loss/∂z of the output layer and, with Math imports,
 * returns the tile's loss sum continued over these samples (from tileLoss). Without imports it stores
 * each sample's t2 = e^(−|z|) at `terms` and t8 (the loss less log1p(t2)) at `rest`, for the wrapper.
 */
function headKernel(layout: MlpLayout, mathImports: boolean): Func {
  const last = layout.layers.length - 1;
  const v = (name: string) => get(name);
  const lossTerm = mathImports
    ? [set("t3", `(call $mathLog1p ${v("t2")})`), set("loss", `(f64.add ${v("loss")} (f64.add ${v("t3")} ${v("t8")}))`)]
    : [store(get("tp"), v("t2")), store(get("rp"), v("t8")), set("tp", add32(get("tp"), i32(8))), set("rp", add32(get("rp"), i32(8)))];
  const sample = [
    set("h1", load(get("hp"), layout.activations[last])),
    set("y", load(get("yp"))),
    set("t0", `(f64.abs ${v("h1")})`),
    set("t1", `(f64.neg ${v("t0")})`),
    expInto("t1", "t2", "exp", mathImports),
    set("t4", `(f64.neg ${v("y")})`),
    set("t5", `(f64.add ${f64(1)} ${v("t4")})`),
    set("pos", `(f64.ge ${v("h1")} ${f64(0)})`),
    set("t8", `(select (f64.mul ${v("h1")} ${v("t5")}) (f64.mul ${v("t4")} ${v("h1")}) ${get("pos")})`),
    ...lossTerm,
    set("t11", `(f64.div ${f64(1)} (f64.add ${f64(1)} ${v("t2")}))`),
    set("t12", `(f64.mul ${v("t11")} ${v("t2")})`),
    set("t14", `(f64.mul ${v("t4")} (select ${v("t12")} ${v("t11")} ${get("pos")}))`),
    set("t16", `(f64.mul ${v("t5")} (select ${v("t11")} ${v("t12")} ${get("pos")}))`),
    store(get("hp"), `(f64.add ${v("t14")} ${v("t16")})`, layout.deltas[last]),
    set("hp", add32(get("hp"), i32(8))),
    set("yp", add32(get("yp"), i32(8))),
  ].join("\n");
  const body = [
    ...(mathImports ? [set("loss", get("tileLoss"))] : [set("tp", get("terms")), set("rp", get("rest"))]),
    set("hp", i32(0)),
    set("yp", get("targets")),
    repeat("samples", "s", get("m"), sample),
    ...(mathImports ? [get("loss")] : []),
  ];
  return {
    name: "head",
    params: [...i32Params("targets", "m"), ...(mathImports ? typed("f64", ["tileLoss"]) : i32Params("terms", "rest"))],
    ...(mathImports ? { result: "f64" as const } : {}),
    locals: [
      ...typed("i32", ["s", "hp", "yp", "tp", "rp", "pos", ...EXP_I32_LOCALS]),
      ...typed("f64", ["loss", "h1", "y", "t0", "t1", "t2", "t3", "t4", "t5", "t8", "t11", "t12", "t14", "t16", ...EXP_LOCALS]),
    ],
    body: body.join("\n"),
  };
}

const directCall: Call = (name, args) => `(call $${name} ${args.join(" ")})`;

function lossAndGradientFunction(layout: MlpLayout, mathImports: boolean, call: Call): string {
  const { layers, subTile } = layout;
  const targets = `(i32.add ${get("y")} (i32.shl ${get("s1")} (i32.const 3)))`;
  const terms = `(i32.add ${get("terms")} (i32.shl ${get("s1")} (i32.const 3)))`;
  const pass = passStatements(layout, {
    call,
    loadInputs: call("loadInputs", [`(i32.add ${i32(layout.data)} (i32.mul ${get("s1")} ${i32(layers[0]! * 8)}))`, get("m")]),
    activation: () => "tanh",
    head: mathImports
      ? set("tileLoss", call("head", [targets, get("m"), get("tileLoss")]))
      : call("head", [targets, get("m"), terms, `(i32.add ${terms} (i32.shl ${get("n")} (i32.const 3)))`]),
  });
  const min = (a: string, b: string) => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
  const addTileGradient = [
    store(get("k"), `(f64.add ${load(get("k"), layout.grad)} ${load(get("k"), layout.tileGrad)})`, layout.grad),
    set("k", add32(get("k"), i32(8))),
  ].join("\n");
  const divide = [
    store(get("k"), `(f64.div ${load(get("k"), layout.grad)} ${get("nf")})`, layout.grad),
    set("k", add32(get("k"), i32(8))),
  ].join("\n");
  const tile = [
    set("end", min(add32(get("s0"), i32(TILE)), get("n"))),
    `(memory.fill ${i32(layout.tileGrad)} (i32.const 0) ${i32(layout.paramCount * 8)})`,
    set("tileLoss", f64(0)),
    set("s1", get("s0")),
    whileLoop(
      "passes",
      `(i32.lt_s ${get("s1")} ${get("end")})`,
      [set("m", min(i32(subTile), `(i32.sub ${get("end")} ${get("s1")})`)), ...pass, set("s1", add32(get("s1"), i32(subTile)))].join("\n"),
    ),
    set("loss", `(f64.add ${get("loss")} ${get("tileLoss")})`),
    set("k", i32(0)),
    repeat("addTile", "left", i32(layout.paramCount), addTileGradient),
    set("s0", get("end")),
  ].join("\n");
  return `(func (export "lossAndGradient") (param $n i32)${mathImports ? " (result f64)" : ""}
  ${locals("i32", ["y", "terms", "s0", "s1", "end", "m", "k", "left"])}
  ${locals("f64", ["loss", "tileLoss", "nf"])}
${indent(
  [
    call("ones", []),
    set("y", add32(i32(layout.data), `(i32.mul ${get("n")} ${i32(layers[0]! * 8)})`)),
    set("terms", add32(get("y"), `(i32.shl ${get("n")} (i32.const 3))`)),
    `(memory.fill ${i32(layout.grad)} (i32.const 0) ${i32(layout.paramCount * 8)})`,
    set("loss", f64(0)),
    set("s0", i32(0)),
    whileLoop("tiles", `(i32.lt_s ${get("s0")} ${get("n")})`, tile),
    set("nf", `(f64.convert_i32_s ${get("n")})`),
    set("k", i32(0)),
    repeat("divide", "left", i32(layout.paramCount), divide),
    ...(mathImports ? [`(f64.div ${get("loss")} ${get("nf")})`] : []),
  ].join("\n"),
)})`;
}

/**

/** The whole module's text. Memory starts with room for `rows` samples of data. */
export function emitWat(layers: readonly number[], options: WasmOptions = {}, rows = TILE): string {
  const layout = mlpLayout(layers, options.subTile);
  const lanes = options.simd ? F64X2 : SCALAR;
  const mathImports = options.mathImports ?? false;
  const imports = mathImports
    ? `(import "math" "exp" (func $mathExp (param f64) (result f64)))
  (import "math" "expm1" (func $mathExpm1 (param f64) (result f64)))
  (import "math" "log1p" (func $mathLog1p (param f64) (result f64)))`
    : ";; no imports";
  const kernels = [
    loadInputsKernel(layout),
    forwardKernel(lanes, layout.row),
    options.printedKernels?.tanh?.(layout, mathImports) ?? tanhKernel(layout.row, mathImports),
    options.printedKernels?.head?.(layout, mathImports) ?? headKernel(layout, mathImports),
    gradientKernel(layout.row),
    deltaKernel(lanes, layout.row),
    onesFunction(layout),
  ];
  const { funcs, call } = options.oneKernelFunction ? mergeKernels(kernels) : { funcs: kernels, call: directCall };
  const bytes = layout.data + rows * (layers[0]! + 3) * 8;
  const pages = Math.ceil(bytes / 65536);
  return `;; mlp([${layers.join(", ")}]) loss and gradient, emitted by test/bench/wasm/emit-wat.ts${options.simd ? " (f64x2)" : ""}.
(module
  ${imports}
  (memory (export "memory") ${pages})
  (data (i32.const ${EXP_HI}) "${dataString(EXP_TABLE_HI)}")
  (data (i32.const ${EXP_LO}) "${dataString(EXP_TABLE_LO)}")
${indent([...funcs.map((f) => printFunc(f)), lossAndGradientFunction(layout, mathImports, call)].join("\n"))})
`;
}

/** A module exporting the inlined e^x, e^x − 1 and Math.round as functions `exp`, `expm1`, `round`, for tests. */
export function emitExpTestWat(mathImports = false): string {
  const fn = (name: string, into: string) => `(func (export "${name}") (param $x f64) (result f64)
  ${locals("i32", EXP_I32_LOCALS)}
  ${locals("f64", ["out", ...EXP_LOCALS])}
${indent(into)}
  ${get("out")})`;
  const imports = mathImports
    ? `(import "math" "exp" (func $mathExp (param f64) (result f64)))
  (import "math" "expm1" (func $mathExpm1 (param f64) (result f64)))`
    : "";
  return `(module
  ${imports}
  (memory 1)
  (data (i32.const ${EXP_HI}) "${dataString(EXP_TABLE_HI)}")
  (data (i32.const ${EXP_LO}) "${dataString(EXP_TABLE_LO)}")
${indent(fn("exp", expInto("x", "out", "exp", mathImports)))}
${indent(fn("expm1", expm1Into("x", "out", "expm1", mathImports)))}
${indent(fn("round", mathRoundInto("out", get("x"), "ex_ceil")))})
`;
}
