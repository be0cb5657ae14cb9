/**
 * Generated modules type-check under the strictest settings a user's project may have (those of
 * @tsconfig/strictest, plus noUncheckedIndexedAccess's cousins), since a module dropped into a project
 * is checked with that project's tsconfig. Covers every shipped module and every layout: flat (seed),
 * split into parts (the seed with parts of 20 assignments), loops with and without features, a
 * flattened linear last layer, and models whose names collide with the generated code's.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { add, defineModel, mlp, mul, sigmoid, sub, symbols } from "../generator/index.ts";
import seedModel from "../generator/models/seed.ts";
import { generateModule } from "../generator/pipeline.ts";
import { mlpModel } from "../generator/vite-models.ts";

const STRICTEST: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  noPropertyAccessFromIndexSignature: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  allowUnusedLabels: false,
  allowUnreachableCode: false,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  target: ts.ScriptTarget.ES2022,
  // The language alone: no DOM and no Node types, so a module relies on neither (the WebAssembly form of
  // lossAndGradient reads WebAssembly off globalThis and types what it uses itself).
  lib: ["lib.es2022.d.ts"],
  types: [],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  noEmit: true,
  skipLibCheck: true,
};

/** A model whose symbols are named like the generated code's own locals and arguments. */
function collidingNames() {
  const [a, out, y] = symbols("a out y");
  const [loss, p, grad] = symbols("loss p grad");
  const z = add(mul(loss, a), mul(p, out), grad);
  const q = sigmoid(z);
  return defineModel({ name: "colliding", inputs: [a, out], targets: [y], params: [loss, p, grad], outputs: [q], loss: mul(sub(q, y), sub(q, y)) });
}

const dir = mkdtempSync(join(tmpdir(), "symgrad-strict-"));
const extra: [string, () => unknown, { flatLimit: number; chunkSize: number }?][] = [
  ["seed_split", () => seedModel, { flatLimit: 20, chunkSize: 20 }],
  ["features_7_16_1", () => mlpModel({ layers: [7, 16, 1], activation: "tanh", output: "sigmoid", loss: "bce", features: ["x1", "x2", "x1sq", "x2sq", "x1x2", "sin_x1", "sin_x2"] })],
  ["regression_2_32_8_1", () => defineModel({ name: "regression_2_32_8_1", ...mlp({ layers: [2, 32, 8, 1], activation: "tanh", output: "linear", loss: "mse" }) })],
  ["colliding", collidingNames],
];

describe("generated modules under the strictest tsconfig", () => {
  it("have no type errors: every shipped module, and split, feature, flattened and name-clashing ones", { timeout: 120_000 }, async () => {
    const files = readdirSync(new URL("../generated/", import.meta.url)).map((f) => new URL(`../generated/${f}`, import.meta.url).pathname);
    for (const [name, build, options] of extra) {
      const file = join(dir, `${name}.ts`);
      writeFileSync(file, (await generateModule(build(), options)).content);
      files.push(file);
    }
    const program = ts.createProgram(files, STRICTEST);
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      return `${d.file?.fileName.split("/").pop()}:${where ? where.line + 1 : "?"}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
    });
    expect(errors.slice(0, 20)).toEqual([]);
  });
});
