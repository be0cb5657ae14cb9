/**
 * The WebAssembly form of a loop model's lossAndGradient: why it exists, which models get it, and the
 * module's text and bytes.
 *
 * Why: a generated JavaScript module's first call runs in V8's interpreter until TurboFan has compiled
 * its loops (10–30 ms per kernel on a background thread), so importing 2-64-64-1 and making one call
 * took ~60× its warm call. V8 compiles a ~6 KB wasm module with its baseline compiler in ~1 ms, and
 * that code is fast from the first call (test/bench/wasm/README.md has the measurements).
 *
 * What: the dense layers' kernels (dense.ts), the activations' kernels and the head printed from the
 * model's own programs (kernels.ts), driven one tile at a time by the module's JavaScript (loops.ts'
 * wasmLossAndGradient): exports `begin()` (zero the gradient), `tile(m)` (the m ≤ TILE rows the
 * wrapper copied in: forward, head, backward, the tile's gradient added into the total) and
 * `finish(n)` (divide by n). The module imports no function: wasm has no log1p, so the head leaves
 * each sample's log1p argument and the rest of its loss in memory and the wrapper sums them in the
 * generated code's order. It imports its memory, which the wrapper makes of the model's size and which
 * never grows (memory.grow would detach the buffer, and once any buffer in a process is detached V8
 * slows every typed-array loop in it), and the model's numbers (buffer addresses, layer sizes) as
 * constant globals: so its text names no number of the model's, and the wide models of a run, which
 * differ only in those numbers, share one text, assembled once (assembled).
 *
 * Exactness: the same sums in the same order as the JavaScript loops, so the same bits, except e^x
 * and e^x − 1 beyond |x| ≥ 708, where the JavaScript calls Math.exp/Math.expm1 and wasm computes them
 * itself, within 1 ulp (an output |z| of 708 … 745, a tanh layer's |z| of 354 … 355).
 */
import { compile as assembleWat } from "watr";
import type { ActivationKernel, LoopModel } from "../../compile.ts";
import {
  dataRegion, deltaKernel, forwardKernel, gradientKernel, loadInputsKernel, mlpLayout, onesFunction, passStatements, SCALAR, layoutValues, spelledNumbers,
  type DataRegion, type LayoutNumbers, type MlpLayout,
} from "./dense.ts";
import { activationKernel, headKernel } from "./kernels.ts";
import { add32, dataString, type Func, EXP_HI, EXP_LO, get, i32, indent, load, locals, printFunc, repeat, set, store, whileLoop } from "./text.ts";
import { EXP_TABLE_HI, EXP_TABLE_LO } from "../fast-math.ts";

/**
 * Samples per pass through the layers. Smaller passes call each kernel more often, and V8 swaps in a
 * kernel's optimized code (compiled in the background while the first call runs in baseline code)
 * only between calls. Cold start of 2-64-64-1, (import + first call) / warm call, median of 11 fresh
 * processes in alternation (test/bench/cold-start-ab.ts): 64 samples 24.2× (first call 10.2 ms),
 * 32: 19.1× (6.8 ms), 16: 18.0× (6.7 ms), 8: 20.5× (9.8 ms, and the warm call 11 % slower); another
 * round: 64: 24.8×, 16: 17.1× (5.3 ms). The warm call at 16 is 3–5 % slower than at 64.
 */
const SUB_TILE = 16;

/** A call of function `name` with the given arguments (WAT expressions). */
const call = (name: string, args: readonly string[] = []) => `(call $${name} ${args.join(" ")})`;

export interface DenseWasm {
  readonly layout: MlpLayout;
  readonly region: DataRegion;
  /** Columns of X and of Y per row. */
  readonly inputs: number;
  readonly targets: number;
  /** The memory the module imports (64 KiB pages; it never grows). */
  readonly pages: number;
  /** The numbers the module imports as globals (layoutImports), by name, in the module's order. */
  readonly numbers: readonly (readonly [name: string, value: number])[];
  readonly wat: string;
  readonly bytes: Uint8Array;
}

/**
 * Why the model's lossAndGradient has no WebAssembly form, or undefined when it has one: a stack of
 * dense layers reading the inputs themselves, every hidden layer with an activation whose kernel
 * needs no Math function, a linear last layer, and a head whose loss is log1p(term) + rest with
 * nothing else wasm lacks (σ + BCE). Others (softmax + cross-entropy, MSE, features) keep JavaScript.
 */
export function wasmRefusal(model: LoopModel): string | undefined {
  const planned = modelKernels(model);
  return "refusal" in planned ? planned.refusal : undefined;
}

/** The model's lossAndGradient as a WebAssembly module, or undefined (wasmRefusal says why). */
export function denseWasm(model: LoopModel): DenseWasm | undefined {
  const planned = modelKernels(model);
  if ("refusal" in planned) return undefined;
  const { layout, kernels } = planned;
  const targets = model.definition.targets.length;
  const region = dataRegion(layout, targets);
  const numbers = layoutImports(layout, region);
  const wat = moduleText(model, layout, kernels, numbers.map(([name]) => name));
  const pages = Math.ceil(region.end / 65536);
  return { layout, region, inputs: layout.layers[0]!, targets, pages, numbers, wat, bytes: assembled(wat) };
}

/**
 * The module's bytes, assembled once per text: the wide models of a run (same depth, activations and
 * head) have one text, because their numbers are imported (layoutImports). watr took ~0.08 s per wide
 * model, and V8 optimizing watr ~0.2 s more on a background thread. Kept for the few texts of a run
 * (`--watch` runs for hours).
 */
function assembled(wat: string): Uint8Array {
  let bytes = ASSEMBLED.get(wat);
  if (bytes === undefined) {
    if (ASSEMBLED.size >= 16) ASSEMBLED.clear();
    ASSEMBLED.set(wat, (bytes = assembleWat(wat)));
  }
  return bytes;
}
const ASSEMBLED = new Map<string, Uint8Array>();

/**
 * The model's numbers, imported as i32 globals of module "layout" (the wrapper passes them): per layer
 * l the buffers' addresses A{l} (activations), F{l} (f'(z)), D{l} (deltas), O{l} (the row of ones
 * after its units), W{l} and G{l} (its weights in params and in the tile's gradient), U{l} (units); and
 * the gradient, the tile's gradient, the parameters' byte count and the tile's data region.
 */
function layoutImports(layout: MlpLayout, region: DataRegion): [string, number][] {
  const last = layout.layers.length - 1;
  const v = layoutValues(layout);
  const perLayer: [string, number][] = [];
  const add = (l: number, ...fields: (keyof LayoutNumbers)[]) => {
    for (const f of fields) perLayer.push([globalName(f, l), v[f](l)]);
  };
  for (let l = 0; l <= last; l++) {
    add(l, "activations", "units");
    if (l > 0 && l < last) add(l, "derivatives");
    if (l > 0) add(l, "deltas", "weights", "tileGradient");
    if (l < last) add(l, "onesRow");
  }
  return [
    ...perLayer,
    ["grad", layout.grad], ["tileGrad", layout.tileGrad], ["paramBytes", layout.paramCount * 8],
    ["xRows", region.inputs], ["yRows", region.targets], ["terms", region.terms], ["rests", region.rests],
  ];
}

/** Each layout number's global is its field's letter and its layer: `A1` holds layer 1's activations. */
const GLOBAL_LETTERS: { readonly [K in keyof LayoutNumbers]: string } = {
  activations: "A", derivatives: "F", deltas: "D", weights: "W", tileGradient: "G", units: "U", onesRow: "O",
};
const globalName = (field: keyof LayoutNumbers, l: number) => `${GLOBAL_LETTERS[field]}${l}`;

/** The imported numbers as WAT: `(global.get $A1)`. */
const imported = (name: string) => `(global.get $${name})`;
const IMPORTED: LayoutNumbers = spelledNumbers((field, l) => imported(globalName(field, l)));

/**
 * The layout and the kernels printed from the model's own programs (its hidden layers' activations,
 * its head), or why there are none: the shape checks, then what the printers refuse (an op wasm lacks,
 * a head of another form).
 */
function modelKernels(model: LoopModel): { readonly layout: MlpLayout; readonly kernels: readonly Func[] } | { readonly refusal: string } {
  const { plan, definition } = model;
  const refuse = (refusal: string) => ({ refusal });
  if (model.features) return refuse("its first layer reads features of the inputs");
  const layers = plan.layers;
  const last = layers[layers.length - 1]!;
  if (layers.length < 2) return refuse("it has no hidden layer");
  if (last.activation !== "linear") return refuse("its last layer is not linear");
  if (layers.slice(0, -1).some((l) => l.activation === "linear")) return refuse("a hidden layer is linear");
  const inputs = definition.inputs.map((e) => (e.op === "sym" ? e.name : ""));
  const first = layers[0]!.inputs.map((e) => (e.op === "sym" ? e.name : "?"));
  if (first.join() !== inputs.join()) return refuse("its first layer does not read the inputs in order");
  const layout = mlpLayout([layers[0]!.inputs.length, ...layers.map((l) => l.z.length)], SUB_TILE);
  const contiguous = plan.offsets.every((offset, k) => offset * 8 === layout.weights[k + 1]) && layout.paramCount === definition.params.length;
  if (!contiguous) return refuse("its parameters are not the layers' weights in order");
  try {
    const activations = hiddenActivations(model).map((a) => activationKernel(model.kernels.get(a)!.forward, kernelName(a), layout.row, false));
    return { layout, kernels: [...activations, headKernel(model, layout, false, IMPORTED)] };
  } catch (error) {
    return refuse((error as Error).message);
  }
}


const kernelName = (activation: string) => `activation_${activation}`;

/** The activations of the hidden layers, once each (modelKernels has checked that none is linear). */
function hiddenActivations(model: LoopModel): ActivationKernel["activation"][] {
  const used = new Set(model.plan.layers.slice(0, -1).map((l) => l.activation));
  return [...model.kernels.keys()].filter((a) => used.has(a));
}

/** `tile(m)`: the tile's rows (at region.inputs, region.targets) through the layers in sub-tiles. */
function tileFunction(model: LoopModel, layout: MlpLayout, targets: number): string {
  const { layers, subTile } = layout;
  const rowsFrom = (at: string, width: number) => `(i32.add ${imported(at)} (i32.mul ${get("s1")} ${i32(width * 8)}))`;
  const pass = passStatements(layout, {
    call,
    loadInputs: call("loadInputs", [rowsFrom("xRows", layers[0]!), get("m")]),
    activation: (l) => kernelName(model.plan.layers[l - 1]!.activation),
    head: call("head", [rowsFrom("yRows", targets), get("m"), rowsFrom("terms", 1), rowsFrom("rests", 1)]),
  }, IMPORTED);
  const min = (a: string, b: string) => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
  const addTileGradient = [
    store(get("k"), `(f64.add ${load(get("k"))} ${load(get("t"))})`),
    set("k", add32(get("k"), i32(8))),
    set("t", add32(get("t"), i32(8))),
  ].join("\n");
  const body = [
    `(memory.fill ${imported("tileGrad")} (i32.const 0) ${imported("paramBytes")})`,
    set("s1", i32(0)),
    whileLoop(
      "passes",
      `(i32.lt_s ${get("s1")} ${get("rows")})`,
      [set("m", min(i32(subTile), `(i32.sub ${get("rows")} ${get("s1")})`)), ...pass, set("s1", add32(get("s1"), i32(subTile)))].join("\n"),
    ),
    set("k", imported("grad")),
    set("t", imported("tileGrad")),
    repeat("addTile", "left", `(i32.shr_u ${imported("paramBytes")} (i32.const 3))`, addTileGradient),
  ];
  return `(func (export "tile") (param $rows i32)\n  ${locals("i32", ["s1", "m", "k", "t", "left"])}\n${indent(body.join("\n"))})`;
}

/** `begin()`: the rows of ones (the bias inputs) and a zero gradient. */
function beginFunction(): string {
  const body = [call("ones"), `(memory.fill ${imported("grad")} (i32.const 0) ${imported("paramBytes")})`];
  return `(func (export "begin")\n${indent(body.join("\n"))})`;
}

/** `finish(n)`: the gradient's sums divided by n, as the generated code's `grad[k] /= n`. */
function finishFunction(): string {
  const divide = [
    store(get("k"), `(f64.div ${load(get("k"))} ${get("nf")})`),
    set("k", add32(get("k"), i32(8))),
  ].join("\n");
  const body = [
    set("nf", `(f64.convert_i32_s ${get("n")})`),
    set("k", imported("grad")),
    repeat("divide", "left", `(i32.shr_u ${imported("paramBytes")} (i32.const 3))`, divide),
  ];
  return `(func (export "finish") (param $n i32)\n  ${locals("i32", ["k", "left"])} ${locals("f64", ["nf"])}\n${indent(body.join("\n"))})`;
}

/**
 * The module's text: the imports (the memory, the model's numbers), the dense kernels, the model's own
 * kernels (modelKernels), and the three exports. It names no number of the model's, so models of the
 * same depth, activations, head and input and target counts share it (assembled).
 */
function moduleText(model: LoopModel, layout: MlpLayout, modelOwn: readonly Func[], importedNames: readonly string[]): string {
  const kernels = [
    loadInputsKernel(layout, IMPORTED),
    forwardKernel(SCALAR, layout.row),
    ...modelOwn,
    gradientKernel(layout.row),
    deltaKernel(SCALAR, layout.row),
    onesFunction(layout, IMPORTED),
  ];
  const globals = importedNames.map((name) => `(import "layout" "${name}" (global $${name} i32))`);
  return `;; lossAndGradient of a stack of ${layout.layers.length - 1} dense layers, emitted by generator/emit/wasm/backend.ts.
(module
  (import "env" "memory" (memory 1))
${indent(globals.join("\n"))}
  (data (i32.const ${EXP_HI}) "${dataString(EXP_TABLE_HI)}")
  (data (i32.const ${EXP_LO}) "${dataString(EXP_TABLE_LO)}")
${indent([...kernels.map((f) => printFunc(f)), beginFunction(), tileFunction(model, layout, model.definition.targets.length), finishFunction()].join("\n"))})
`;
}


