/**
 * emit-wat.ts's tanh kernel and head printed from the compiler's own scheduled programs (program-wat.ts)
 * instead of hand-written: the LoopModel of mlp(layers) with tanh hidden layers, a sigmoid output and
 * BCE, compiled once per layer sizes. Same loops and memory layout as the hand-written kernels; the
 * arithmetic per sample is the printed Program's, so it is the generated JavaScript's bit for bit.
 */
import { compileModel, type LoopModel } from "../../../generator/compile.ts";
import { defineModel, mlp } from "../../../generator/index.ts";
import type { Operand, Program } from "../../../generator/symbolic/schedule.ts";
import { add32, get, i32, load, repeat, set, store, typed, type Func, type MlpLayout, type PrintedKernels } from "./emit-wat.ts";
import { hostAssignments, programWat, type MathImport, type ProgramWat } from "./program-wat.ts";

/** The Math functions emit-wat.ts's module imports with `mathImports`. */
const MODULE_IMPORTS: ReadonlySet<MathImport> = new Set(["exp", "expm1", "log1p"]);

const models = new Map<string, LoopModel>();

/** The loop model emit-wat.ts's module computes: tanh hidden layers, one sigmoid output, BCE. */
export function loopModel(layers: readonly number[]): LoopModel {
  const key = layers.join("_");
  let model = models.get(key);
  if (!model) {
    const net = mlp({ layers: [...layers], activation: "tanh", output: "sigmoid", loss: "bce" });
    const compiled = compileModel(defineModel({ name: `wasm_${key}`, ...net }), "loops");
    if (compiled.strategy !== "loops") throw new Error(`program-kernels: mlp([${layers.join(", ")}]) has no loop form`);
    model = compiled;
    models.set(key, model);
  }
  return model;
}

/** The program printed with its inputs read from locals `in_<name>`, checking the module imports what it calls. */
function printed(program: Program, what: string, mathImports: boolean, skip?: ReadonlySet<number>): ProgramWat {
  const result = programWat(program, { prefix: "p_", read: (name) => get(`in_${name}`), mathImports, ...(skip ? { skip } : {}) });
  const missing = [...result.imports].filter((fn) => !MODULE_IMPORTS.has(fn));
  if (missing.length > 0) throw new Error(`program-kernels: the ${what} calls Math.${missing.join(", Math.")}, which emit-wat.ts's module does not import`);
  return result;
}

const inputLocals = (program: Program) => typed("f64", program.inputs.map((name) => `in_${name}`));

/**
 * An activation's kernel: f(z) in place over `units` × m and f'(z) into f, rows `row` bytes apart,
 * from its forward program (reads z, outputs [f(z), f'(z)]). Parameters (a, f, units, m), as
 * emit-wat.ts's tanhKernel, for any activation the loops emitter supports.
 */
export function activationKernel(program: Program, name: string, row: number, mathImports: boolean): Func {
  if (program.inputs.join() !== "z" || program.outputs.length !== 2) throw new Error(`program-kernels: the ${name} kernel must read z and output [f(z), f'(z)]`);
  const kernel = printed(program, `${name} kernel`, mathImports);
  const [f, derivative] = kernel.outputs;
  const sample = [
    set("in_z", load(get("ap"))),
    ...kernel.statements,
    store(get("ap"), f!),
    store(get("fp"), derivative!),
    set("ap", add32(get("ap"), i32(8))),
    set("fp", add32(get("fp"), i32(8))),
  ].join("\n");
  const unit = [
    set("ap", add32(get("a"), `(i32.mul ${get("j")} ${i32(row)})`)),
    set("fp", add32(get("f"), `(i32.mul ${get("j")} ${i32(row)})`)),
    repeat("samples", "s", get("m"), sample),
  ].join("\n");
  return {
    name,
    params: typed("i32", ["a", "f", "units", "m"]),
    locals: [...typed("i32", ["j", "s", "unitsLeft", "ap", "fp"]), ...inputLocals(program), ...kernel.locals],
    body: [set("j", i32(0)), repeat("units", "unitsLeft", get("units"), [unit, set("j", add32(get("j"), i32(1)))].join("\n"))].join("\n"),
  };
}

/** emit-wat.ts's tanh kernel, from the compiled model's tanh kernel program. */
function tanhKernel(layout: MlpLayout, mathImports: boolean): Func {
  return activationKernel(loopModel(layout.layers).kernels.get("tanh")!.forward, "tanh", layout.row, mathImports);
}

/**
 * How an import-free module leaves a head's loss to its JavaScript wrapper, which sums
 * Math.log1p(term) + rest per sample (build.ts): the loss output must be log1p(term) + rest, and no
 * other output may need an op wasm lacks. (The BCE head's loss is log1p(e^(−|z|)) plus a select.)
 */
export function importFreeLoss(program: Program): { readonly host: ReadonlySet<number>; readonly term: Operand; readonly rest: Operand } {
  const host = hostAssignments(program);
  const [loss, ...others] = program.outputs;
  const refuse = (why: string) => new Error(`program-kernels: an import-free head needs a loss of the form log1p(term) + rest: ${why}`);
  if (others.some((o) => o.kind === "temp" && host.has(o.index))) throw refuse("a gradient output calls an op wasm lacks");
  if (loss?.kind !== "temp" || !host.has(loss.index)) throw refuse("the loss calls no op wasm lacks");
  const sum = program.assignments[loss.index]!;
  const logIndex = sum.args.findIndex((o) => o.kind === "temp" && program.assignments[o.index]!.op === "log1p");
  const log = logIndex >= 0 ? (sum.args[logIndex] as Extract<Operand, { kind: "temp" }>) : undefined;
  if (sum.op !== "add" || sum.args.length !== 2 || !log || host.size !== 2 || !host.has(log.index)) throw refuse("it has another form");
  return { host, term: program.assignments[log.index]!.args[0]!, rest: sum.args[1 - logIndex]! };
}

/**
 * The head over the sub-tile from the model's headLossAndGradient program ([loss, ∂loss/∂h_1, …]),
 * with emit-wat.ts's headKernel's parameters: stores the gradient at the output layer's deltas, and
 * with Math imports adds each sample's loss to the tile's sum (as the generated `_loss += …`), returned;
 * without, stores the loss's log1p argument at `terms` and the rest at `rest` for the wrapper. Head
 * inputs h_k are read from the last layer's activations, targets from the sample's row of Y.
 */
function headKernel(layout: MlpLayout, mathImports: boolean): Func {
  const model = loopModel(layout.layers);
  const program = model.headLossAndGradient;
  const last = layout.layers.length - 1;
  const heads = model.plan.headInputs.map((e) => (e.op === "sym" ? e.name : ""));
  const targets = model.definition.targets.map((e) => (e.op === "sym" ? e.name : ""));
  const width = targets.length;
  const read = (name: string): string => {
    const h = heads.indexOf(name);
    if (h >= 0) return load(get("hp"), layout.activations[last]! + h * layout.row);
    const y = targets.indexOf(name);
    if (y >= 0) return load(get("yp"), y * 8);
    throw new Error(`program-kernels: the head reads ${name}, neither a head input nor a target`);
  };
  const split = mathImports ? undefined : importFreeLoss(program);
  const head = printed(program, "head", mathImports, split?.host);
  const [loss, ...gradient] = program.outputs.map((o, k) => (k === 0 && split ? "" : head.operand(o)));
  if (gradient.length !== heads.length) throw new Error("program-kernels: the head must output [loss, ∂loss/∂h for each head input]");
  const lossTerm = split
    ? [store(get("tp"), head.operand(split.term)), store(get("rp"), head.operand(split.rest)), set("tp", add32(get("tp"), i32(8))), set("rp", add32(get("rp"), i32(8)))]
    : [set("loss", `(f64.add ${get("loss")} ${loss})`)];
  const sample = [
    ...program.inputs.map((name) => set(`in_${name}`, read(name))),
    ...head.statements,
    ...lossTerm,
    ...gradient.map((g, k) => store(get("hp"), g!, layout.deltas[last]! + k * layout.row)),
    set("hp", add32(get("hp"), i32(8))),
    set("yp", add32(get("yp"), i32(8 * width))),
  ].join("\n");
  const samples = repeat("samples", "s", get("m"), sample);
  return mathImports
    ? {
        name: "head",
        params: [...typed("i32", ["targets", "m"]), ...typed("f64", ["tileLoss"])],
        result: "f64",
        locals: [...typed("i32", ["s", "hp", "yp"]), ...typed("f64", ["loss"]), ...inputLocals(program), ...head.locals],
        body: [set("loss", get("tileLoss")), set("hp", i32(0)), set("yp", get("targets")), samples, get("loss")].join("\n"),
      }
    : {
        name: "head",
        params: typed("i32", ["targets", "m", "terms", "rest"]),
        locals: [...typed("i32", ["s", "hp", "yp", "tp", "rp"]), ...inputLocals(program), ...head.locals],
        body: [set("tp", get("terms")), set("rp", get("rest")), set("hp", i32(0)), set("yp", get("targets")), samples].join("\n"),
      };
}

/** emit-wat.ts's option: the tanh kernel and head printed from the compiled model's programs. */
export const PRINTED_KERNELS: PrintedKernels = { tanh: tanhKernel, head: headKernel };
