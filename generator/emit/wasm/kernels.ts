/**
 * A loop model's activation kernels and head printed as WebAssembly from the compiler's own scheduled
 * programs (program.ts), over dense.ts's memory layout: the arithmetic per sample is the printed
 * Program's, so it is the generated JavaScript's bit for bit (test/bench/wasm/program-wat.test.ts
 * compares them with the very statements in generated/).
 */
import type { LoopModel } from "../../compile.ts";
import type { Operand, Program } from "../../symbolic/schedule.ts";
import { constantNumbers, type LayoutNumbers, type MlpLayout } from "./dense.ts";
import { hostAssignments, programWat, type MathImport, type ProgramWat } from "./program.ts";
import { add32, get, i32, load, repeat, set, store, typed, type Func } from "./text.ts";

/** The Math functions a module built with `mathImports` imports (the prototype's variant; the shipped modules import nothing). */
const MODULE_IMPORTS: ReadonlySet<MathImport> = new Set(["exp", "expm1", "log1p"]);

/** The program printed with its inputs read from locals `in_<name>`, checking the module imports what it calls. */
function printed(program: Program, what: string, mathImports: boolean, skip?: ReadonlySet<number>): ProgramWat {
  const result = programWat(program, { prefix: "p_", read: (name) => get(`in_${name}`), mathImports, ...(skip ? { skip } : {}) });
  const missing = [...result.imports].filter((fn) => !MODULE_IMPORTS.has(fn));
  if (missing.length > 0) throw new Error(`the ${what} calls Math.${missing.join(", Math.")}, which the module does not import`);
  return result;
}

const inputLocals = (program: Program) => typed("f64", program.inputs.map((name) => `in_${name}`));

/**
 * An activation's kernel: f(z) in place over `units` × m and f'(z) into f, rows `row` bytes apart,
 * from its forward program (reads z, outputs [f(z), f'(z)]). Parameters (a, f, units, m).
 */
export function activationKernel(program: Program, name: string, row: number, mathImports: boolean): Func {
  if (program.inputs.join() !== "z" || program.outputs.length !== 2) throw new Error(`the ${name} kernel must read z and output [f(z), f'(z)]`);
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

/** How an import-free head leaves its loss to the JavaScript around the module: log1p(term) + rest per sample. */
export interface ImportFreeLoss {
  /** The assignments the module leaves out (the log1p and the sum reading it). */
  readonly host: ReadonlySet<number>;
  readonly term: Operand;
  readonly rest: Operand;
}

/**
 * How an import-free module leaves a head's loss to its JavaScript wrapper, which sums
 * Math.log1p(term) + rest per sample: the loss output must be log1p(term) + rest, and no other output
 * may need an op wasm lacks. (The BCE head's loss is log1p(e^(−|z|)) plus a select.) Throws an error
 * saying why when the head has another form.
 */
export function importFreeLoss(program: Program): ImportFreeLoss {
  const host = hostAssignments(program);
  const [loss, ...others] = program.outputs;
  const refuse = (why: string) => new Error(`an import-free head needs a loss of the form log1p(term) + rest: ${why}`);
  if (others.some((o) => o.kind === "temp" && host.has(o.index))) throw refuse("a gradient output calls an op wasm lacks");
  if (loss?.kind !== "temp" || !host.has(loss.index)) throw refuse("the loss calls no op wasm lacks");
  const sum = program.assignments[loss.index]!;
  const logIndex = sum.args.findIndex((o) => o.kind === "temp" && program.assignments[o.index]!.op === "log1p");
  const log = logIndex >= 0 ? (sum.args[logIndex] as Extract<Operand, { kind: "temp" }>) : undefined;
  if (sum.op !== "add" || sum.args.length !== 2 || !log || host.size !== 2 || !host.has(log.index)) throw refuse("it has another form");
  return { host, term: program.assignments[log.index]!.args[0]!, rest: sum.args[1 - logIndex]! };
}

/**
 * The head over a sub-tile from the model's headLossAndGradient program ([loss, ∂loss/∂h_1, …]): stores
 * the gradient at the output layer's deltas, and with Math imports adds each sample's loss to the
 * tile's sum (as the generated `_loss += …`), returned; without, stores the loss's log1p argument at
 * `terms` and the rest at `rest` for the wrapper. Head inputs h_k are read from the last layer's
 * activations, targets from the sample's row of Y (at `targets`).
 */
export function headKernel(model: LoopModel, layout: MlpLayout, mathImports: boolean, numbers: LayoutNumbers = constantNumbers(layout)): Func {
  const program = model.headLossAndGradient;
  const last = layout.layers.length - 1;
  const heads = model.plan.headInputs.map((e) => (e.op === "sym" ? e.name : ""));
  const targets = model.definition.targets.map((e) => (e.op === "sym" ? e.name : ""));
  const width = targets.length;
  const read = (name: string): string => {
    const h = heads.indexOf(name);
    if (h >= 0) return load(get("hp"), h * layout.row);
    const y = targets.indexOf(name);
    if (y >= 0) return load(get("yp"), y * 8);
    throw new Error(`the head reads ${name}, neither a head input nor a target`);
  };
  const split = mathImports ? undefined : importFreeLoss(program);
  const head = printed(program, "head", mathImports, split?.host);
  const [loss, ...gradient] = program.outputs.map((o, k) => (k === 0 && split ? "" : head.operand(o)));
  if (gradient.length !== heads.length) throw new Error("the head must output [loss, ∂loss/∂h for each head input]");
  const lossTerm = split
    ? [store(get("tp"), head.operand(split.term)), store(get("rp"), head.operand(split.rest)), set("tp", add32(get("tp"), i32(8))), set("rp", add32(get("rp"), i32(8)))]
    : [set("loss", `(f64.add ${get("loss")} ${loss})`)];
  const sample = [
    ...program.inputs.map((name) => set(`in_${name}`, read(name))),
    ...head.statements,
    ...lossTerm,
    ...gradient.map((g, k) => store(get("dp"), g!, k * layout.row)),
    set("hp", add32(get("hp"), i32(8))),
    set("dp", add32(get("dp"), i32(8))),
    set("yp", add32(get("yp"), i32(8 * width))),
  ].join("\n");
  const samples = repeat("samples", "s", get("m"), sample);
  // The sample's head inputs (the last layer's activations) and where its gradient goes (the last layer's deltas).
  const pointers = [set("hp", numbers.activations(last)), set("dp", numbers.deltas(last))];
  return mathImports
    ? {
        name: "head",
        params: [...typed("i32", ["targets", "m"]), ...typed("f64", ["tileLoss"])],
        result: "f64",
        locals: [...typed("i32", ["s", "hp", "dp", "yp"]), ...typed("f64", ["loss"]), ...inputLocals(program), ...head.locals],
        body: [set("loss", get("tileLoss")), ...pointers, set("yp", get("targets")), samples, get("loss")].join("\n"),
      }
    : {
        name: "head",
        params: typed("i32", ["targets", "m", "terms", "rest"]),
        locals: [...typed("i32", ["s", "hp", "dp", "yp", "tp", "rp"]), ...inputLocals(program), ...head.locals],
        body: [set("tp", get("terms")), set("rp", get("rest")), ...pointers, set("yp", get("targets")), samples].join("\n"),
      };
}
