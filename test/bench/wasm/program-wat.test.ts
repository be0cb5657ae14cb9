/**
 * program-wat.ts prints the compiler's scheduled programs as WebAssembly bitwise equal to the
 * JavaScript the generator prints for them: every activation kernel (tanh, sigmoid, relu, softplus)
 * and the heads of the shipped loop models (sigmoid + BCE, softmax + cross-entropy, linear + MSE: loss
 * and gradient, loss, predict). Oracle: the same Program printed by the JavaScript printer
 * (batch.ts's assignmentLines, with fast-math.ts's _exp/_expm1 as generated modules define them),
 * loaded as a module and called on the same seeded inputs, including |z| ~ 0, ±0, 1e-8, 0.5, 1, 20,
 * 40, 400, 800, ±∞, NaN and the edges of the exp table (|x| = 708, expm1's 1/16).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileModel, type LoopModel } from "../../../generator/compile.ts";
import { assignmentLines, operandCode, temp, useCounts } from "../../../generator/emit/batch.ts";
import { fastMathStatements } from "../../../generator/emit/fast-math.ts";
import { formatTypeScript } from "../../../generator/emit/format.ts";
import { printModule } from "../../../generator/emit/print.ts";
import { defineModel, mlp } from "../../../generator/index.ts";
import { SHIPPED_MODELS } from "../../../generator/models/index.ts";
import type { Activation } from "../../../generator/nn/activations.ts";
import type { Program } from "../../../generator/symbolic/schedule.ts";
import { rng, uniform } from "../../helpers.ts";
import { readFileSync } from "node:fs";
import { assemble } from "./build.ts";
import { emitWat, printFunc } from "./emit-wat.ts";
import { activationKernel, importFreeLoss, loopModel, PRINTED_KERNELS } from "./program-kernels.ts";
import { expTableSegments, mathImportDeclarations, programModuleWat, programWat } from "../../../generator/emit/wasm/program.ts";

type Scalar = (...args: number[]) => number[];

const dir = mkdtempSync(join(tmpdir(), "symgrad-program-wat-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The program as the generator prints it in JavaScript, loaded: (inputs in program.inputs order) → outputs. */
async function javascript(name: string, program: Program): Promise<Scalar> {
  const body = assignmentLines(program, program.assignments.map((_, i) => i), useCounts(program));
  const outputs = program.outputs.map((o) => operandCode(o, temp)).join(", ");
  const fn = `export function run(${program.inputs.map((s) => `${s}: number`).join(", ")}): number[] {\n${body.join("\n")}\nreturn [${outputs}];\n}`;
  const path = join(dir, `${name}.ts`);
  writeFileSync(path, printModule({ statements: [...fastMathStatements({ exp: true, expm1: true }), fn] }));
  return ((await import(path)) as { run: Scalar }).run;
}

/** The program printed by program-wat.ts, assembled and instantiated. */
async function webAssembly(name: string, program: Program, mathImports: boolean): Promise<Scalar> {
  const bytes = assemble(name, programModuleWat("run", program, { mathImports }));
  const math = { exp: Math.exp, expm1: Math.expm1, log: Math.log, log1p: Math.log1p, tanh: Math.tanh, sin: Math.sin, cos: Math.cos, pow: Math.pow };
  const { instance } = await WebAssembly.instantiate(bytes, { math });
  const run = instance.exports.run as (...args: number[]) => number | number[];
  return (...args) => {
    const result = run(...args);
    return typeof result === "number" ? [result] : [...result];
  };
}

/** Interesting magnitudes: zero, tiny, ordinary, saturated, beyond the exp table, and its edges. */
const MAGNITUDES = [
  0, 1e-300, 1e-8, 0.03125, 0.0625, 0.5, 1, 2, 20, 40, 353.99, 354, 354.01, 400, 707.99, 708, 708.01, 709.7, 745.2, 800,
];
const SPECIAL = [...MAGNITUDES.flatMap((m) => [m, -m]), Infinity, -Infinity, NaN];
/** Within this, every e^x and e^x − 1 the shipped programs take is on the table path (|x| < 708). */
const TABLE_SAFE = 300;

/** Special and seeded values for each input: targets in [0, 1] (and 0, 1), the rest from SPECIAL or ±5. */
function samples(program: Program, seed: string, count: number): number[][] {
  const random = rng(seed);
  const isTarget = (s: string) => /^y\d*$/.test(s);
  const pick = (s: string) => {
    if (isTarget(s)) return random() < 0.3 ? Math.round(random()) : random();
    return random() < 0.5 ? SPECIAL[Math.floor(random() * SPECIAL.length)]! : uniform(random, -5, 5);
  };
  const rows = program.inputs.length === 1 ? SPECIAL.map((v) => [v]) : [];
  for (let k = 0; k < count; k++) rows.push(program.inputs.map(pick));
  return rows;
}

/** Rows where the two disagree (Object.is on each output: NaN equals NaN, +0 differs from −0). */
function mismatches(js: Scalar, wasm: Scalar, rows: readonly number[][]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    const [a, b] = [js(...row), wasm(...row)];
    if (a.length !== b.length || a.some((v, k) => !Object.is(v, b[k]))) out.push(`(${row.join(", ")}): js [${a.join(", ")}] wasm [${b.join(", ")}]`);
  }
  return out;
}

function kernel(activation: Activation): Program {
  const definition = defineModel({ name: `kernel_${activation}`, ...mlp({ layers: [2, 4, 1], activation, output: "sigmoid", loss: "bce" }) });
  return (compileModel(definition, "loops") as LoopModel).kernels.get(activation)!.forward;
}

const loopModels = SHIPPED_MODELS.map((d) => compileModel(d)).filter((m): m is LoopModel => m.strategy === "loops");
/** One model per head kind: mlp_2_16_1 (sigmoid + BCE), regression_2_16_1 (MSE), softmax_2_8_3. */
const heads = ["mlp_2_16_1", "regression_2_16_1", "softmax_2_8_3"].flatMap((name) => {
  const model = loopModels.find((m) => m.definition.name === name)!;
  return [
    { name: `${name}_headLossAndGradient`, program: model.headLossAndGradient },
    { name: `${name}_headLoss`, program: model.headLoss },
    { name: `${name}_headPredict`, program: model.headPredict },
  ];
});
const kernels = (["tanh", "sigmoid", "relu", "softplus"] as const).map((a) => ({ name: `${a}_kernel`, program: kernel(a) }));

describe("scheduled programs printed as WebAssembly equal the generated JavaScript bit for bit", () => {
  it("covers every shipped loop model's head kind", () => {
    expect(loopModels.map((m) => m.definition.name)).toEqual(expect.arrayContaining(["mlp_2_16_1", "regression_2_16_1", "softmax_2_8_3"]));
    expect(heads.every((h) => h.program.outputs.length > 0)).toBe(true);
  });

  for (const { name, program } of [...kernels, ...heads]) {
    it(`${name}, with Math imports: everywhere`, async () => {
      const [js, wasm] = await Promise.all([javascript(name, program), webAssembly(name, program, true)]);
      expect(mismatches(js, wasm, samples(program, name, 3000))).toEqual([]);
    });
  }

  const importFree = [...kernels, ...heads].filter(({ program }) => !program.assignments.some((a) => ["log", "log1p", "tanh", "sin", "cos"].includes(a.op)));
  it("the import-free programs are the tanh, sigmoid and relu kernels, the MSE head and the predict heads", () => {
    expect(importFree.map((p) => p.name).sort()).toEqual(
      ["mlp_2_16_1_headPredict", "regression_2_16_1_headLoss", "regression_2_16_1_headLossAndGradient", "regression_2_16_1_headPredict", "relu_kernel", "sigmoid_kernel", "softmax_2_8_3_headPredict", "tanh_kernel"],
    );
  });
  for (const { name, program } of importFree) {
    it(`${name}, import-free: bitwise on the exp table's range, within 1 ulp beyond`, async () => {
      const [js, wasm] = await Promise.all([javascript(`${name}_free`, program), webAssembly(`${name}_free`, program, false)]);
      const rows = samples(program, name, 3000);
      const inTable = rows.filter((row) => row.every((v) => Math.abs(v) <= TABLE_SAFE));
      expect(inTable.length).toBeGreaterThan(100);
      expect(mismatches(js, wasm, inTable)).toEqual([]);
      for (const row of rows) {
        const [a, b] = [js(...row), wasm(...row)];
        a.forEach((v, k) => {
          if (!Object.is(v, b[k])) expect(Math.abs(v - b[k]!)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -52);
        });
      }
    });
  }

  it("computes a value inside a select's branch exactly when the JavaScript does (the same temporaries at top level)", () => {
    for (const { name, program } of [...kernels, ...heads]) {
      const declared = assignmentLines(program, program.assignments.map((_, i) => i), useCounts(program)).map((line) => /^const _t(\d+) =/.exec(line)![1]);
      const set = programWat(program, { mathImports: true }).statements.map((statement) => /^\(local\.set \$t(\d+) /.exec(statement)![1]);
      expect(set, name).toEqual(declared);
    }
    // The tanh kernel's 2|z| and −2|z| (the argument of e^x − 1) are computed inside their branches.
    const tanh = kernels.find((k) => k.name === "tanh_kernel")!.program;
    expect(programWat(tanh).statements.length).toBeLessThan(tanh.assignments.length);
  });

  it("the JavaScript oracle is the shipped modules' own code (the printed statements, formatted, appear in generated/)", async () => {
    const squeeze = (text: string) => text.replace(/\s+/g, "");
    /** The program's statements as the generator prints and prettier formats them, without whitespace. */
    const statements = async (program: Program) => {
      const body = assignmentLines(program, program.assignments.map((_, i) => i), useCounts(program));
      const formatted = squeeze(await formatTypeScript(`function f() {\n${body.join("\n")}\n}\n`));
      return formatted.slice(formatted.indexOf("{") + 1, formatted.lastIndexOf("}"));
    };
    const cases = [
      { file: "mlp_2_64_64_1", program: loopModel([2, 64, 64, 1]).kernels.get("tanh")!.forward },
      ...["mlp_2_64_64_1", "regression_2_16_1", "softmax_2_8_3"].flatMap((file) => {
        const model = loopModels.find((m) => m.definition.name === file)!;
        return [model.headLossAndGradient, model.headLoss].map((program) => ({ file, program }));
      }),
    ];
    for (const { file, program } of cases) {
      const text = squeeze(readFileSync(new URL(`../../../generated/${file}.ts`, import.meta.url), "utf8"));
      expect(text.includes(await statements(program)), file).toBe(true);
    }
  });

  for (const { name, program } of kernels) {
    it(`${name} as a loop kernel over units × samples in linear memory (f in place, f' beside)`, async () => {
      const units = 3;
      const values = samples(program, `${name}_loop`, 60).map(([z]) => z!);
      const m = Math.ceil(values.length / units);
      const z = Float64Array.from({ length: units * m }, (_, k) => values[k % values.length]!);
      const [a, f] = [1024, 1024 + z.byteLength];
      const mathImports = name === "softplus_kernel";
      const kernel = activationKernel(program, "kernel", m * 8, mathImports);
      const imports = mathImports ? mathImportDeclarations(["exp", "log1p"]) : [];
      const wat = `(module\n${[...imports, "(memory (export \"memory\") 1)", ...expTableSegments(), printFunc(kernel, "kernel")].join("\n")})`;
      const { instance } = await WebAssembly.instantiate(assemble(`${name}_loop`, wat), { math: { exp: Math.exp, log1p: Math.log1p } });
      const memory = new Float64Array((instance.exports.memory as WebAssembly.Memory).buffer);
      memory.set(z, a / 8);
      (instance.exports.kernel as (a: number, f: number, units: number, m: number) => void)(a, f, units, m);
      const js = await javascript(`${name}_loop`, program);
      const wrong = [...z].flatMap((v, k) => {
        const [fz, dfz] = js(v);
        return Object.is(memory[a / 8 + k], fz) && Object.is(memory[f / 8 + k], dfz) ? [] : [`z = ${v}: js [${fz}, ${dfz}] wasm [${memory[a / 8 + k]}, ${memory[f / 8 + k]}]`];
      });
      // Import-free kernels are bitwise on the exp table's range only.
      expect(wrong.filter((w) => mathImports || Math.abs(Number(/z = (\S+):/.exec(w)![1])) <= TABLE_SAFE)).toEqual([]);
    });
  }

  it("an import-free head leaves exactly the BCE loss's log1p(term) + rest to the wrapper, and refuses other losses, naming why", () => {
    const bce = heads.find((h) => h.name === "mlp_2_16_1_headLossAndGradient")!.program;
    const { host, term, rest } = importFreeLoss(bce);
    expect([...host].map((i) => bce.assignments[i]!.op)).toEqual(["log1p", "add"]);
    expect([term.kind, rest.kind]).toEqual(["temp", "temp"]);
    expect(emitWat([2, 4, 1], { printedKernels: PRINTED_KERNELS })).toContain("(func $head (param $targets i32) (param $m i32) (param $terms i32) (param $rest i32)");
    const softmax = heads.find((h) => h.name === "softmax_2_8_3_headLossAndGradient")!.program;
    expect(() => importFreeLoss(softmax)).toThrow(/needs a loss of the form log1p\(term\) \+ rest: it has another form/);
  });

  it("an op wasm has no instruction for is named in the error unless Math imports are allowed", () => {
    const softplus = kernels.find((k) => k.name === "softplus_kernel")!.program;
    expect(() => programWat(softplus)).toThrow(/op log1p has no WebAssembly instruction/);
    const softmax = heads.find((h) => h.name === "softmax_2_8_3_headLoss")!.program;
    expect(() => programWat(softmax)).toThrow(/op log has no WebAssembly instruction/);
    expect([...programWat(softmax, { mathImports: true }).imports].sort()).toEqual(["exp", "log"]);
  });
});
