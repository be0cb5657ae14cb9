/**
 * One numeric truth: evaluate() computes through the generator's simplify → stable lowering, so it
 * agrees with the generated modules everywhere, including saturated pre-activations where the literal
 * formula (evaluateLiteral) overflows. Plus how evaluate reads its env, and how expressions print.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { add, diff, evaluate, evaluateLiteral, gradient, log, mul, show, sigmoid, symbols } from "../generator/index.ts";
import type { ModelDefinition } from "../generator/model.ts";
import seedModel from "../generator/models/seed.ts";
import softmaxModel from "../generator/models/softmax_2_8_3.ts";
import * as seedModule from "../generated/seed.ts";
import * as softmaxModule from "../generated/softmax_2_8_3.ts";
import { relativeError, rng, uniform } from "./helpers.ts";

interface Module {
  readonly PARAM_NAMES: readonly string[];
  lossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number;
}

/** The generated module's loss and gradient on one sample, and the interpreter's on the same sample. */
function compare(model: ModelDefinition, module: Module, params: Float64Array, x: number[], y: number[]) {
  const grad = new Float64Array(params.length);
  const generated = [module.lossAndGradient(params, Float64Array.from(x), Float64Array.from(y), grad), ...grad];
  const env: Record<string, number> = {};
  model.params.forEach((p, k) => (env[p.name] = params[k]));
  model.inputs.forEach((s, j) => (env[s.name] = x[j]));
  model.targets.forEach((s, j) => (env[s.name] = y[j]));
  const viaGradient = [evaluate(model.loss, env), ...evaluate(gradient(model.loss, model.params), env)];
  const viaDiff = model.params.map((p) => evaluate(diff(model.loss, p), env));
  return { generated, viaGradient, viaDiff };
}

/**
 * evaluate(loss) and evaluate(gradient(…)) run the generated code's own program: ≤ 1e-12 relative.
 * diff builds each derivative forward, an equal but differently associated expression: ≤ 1e-12
 * relative too, except below `diffFloor`, where a true value far smaller than the terms it is summed
 * from (softmax's p − y at saturated logits: both sides are rounding residue of O(1) terms) can only
 * agree absolutely.
 */
function expectAgreement({ generated, viaGradient, viaDiff }: ReturnType<typeof compare>, where: string, diffFloor = 1e-300) {
  generated.forEach((g, i) => {
    expect(Number.isFinite(g), `${where}: generated[${i}] = ${g}`).toBe(true);
    expect(relativeError(viaGradient[i], g, 1e-300), `${where}: evaluate vs generated [${i}]`).toBeLessThanOrEqual(1e-12);
    if (i > 0) {
      const error = relativeError(viaDiff[i - 1], g, diffFloor / 1e-12);
      expect(error, `${where}: evaluate(diff) = ${viaDiff[i - 1]} vs generated ${g} [${i}]`).toBeLessThanOrEqual(1e-12);
    }
  });
}

const SATURATED = [40, -40, 400, -400, 800, -800];

describe("evaluate agrees with the generated module (≤ 1e-12 relative)", () => {
  it("on the seed's literal loss at ordinary points and at output pre-activations ±40, ±400, ±800", () => {
    const random = rng("evaluate-seed");
    const names = seedModel.params.map((p) => p.name);
    for (const z of [...SATURATED, 0.3, -2.5]) {
      for (const y of [0, 1]) {
        // v1 = v2 = 0, so z3 = b3 = z; hidden units at random ordinary points.
        const p = Float64Array.from(names, (n) => (n === "b3" ? z : n === "v1" || n === "v2" ? 0 : uniform(random, -2, 2)));
        expectAgreement(compare(seedModel, seedModule, p, [uniform(random, -2, 2), uniform(random, -2, 2)], [y]), `z3=${z}, y=${y}`);
      }
    }
    for (let k = 0; k < 50; k++) {
      const p = Float64Array.from(names, () => uniform(random, -3, 3));
      expectAgreement(compare(seedModel, seedModule, p, [uniform(random, -2, 5), uniform(random, -2, 5)], [random() < 0.5 ? 0 : 1]), `random ${k}`);
    }
  });

  it("on the seed with saturated hidden units (z1, z2 = ±40, ±400, ±800)", () => {
    const names = seedModel.params.map((p) => p.name);
    for (const z of SATURATED) {
      const values: Record<string, number> = { w11: 1, w12: 0, b1: z, w21: 0, w22: -1, b2: -z, v1: 1.5, v2: -0.7, b3: 0.2 };
      const p = Float64Array.from(names, (n) => values[n]);
      expectAgreement(compare(seedModel, seedModule, p, [0.5, -0.25], [1]), `z1=${z}`);
    }
  });

  it("on the softmax model with saturated logits", () => {
    const random = rng("evaluate-softmax");
    const names = softmaxModel.params.map((p) => p.name);
    for (const z of [...SATURATED, 0.5, -1.5]) {
      // Output biases ±z apart; hidden weights ordinary.
      const p = Float64Array.from(names, (n) => (n === "b2_1" ? z : n === "b2_3" ? -z : uniform(random, -1, 1)));
      for (const label of [0, 1, 2]) {
        const y = [0, 0, 0];
        y[label] = 1;
        const where = `z=${z}, class ${label}`;
        expectAgreement(compare(softmaxModel, softmaxModule, p, [uniform(random, -2, 2), uniform(random, -2, 2)], y), where, 1e-15);
      }
    }
  });

  it("where evaluateLiteral, the formula as written, overflows (the reason evaluate lowers first)", () => {
    const [z, y] = symbols("z y");
    const p = sigmoid(z);
    const literal = mul(-1, add(mul(y, log(p)), mul(add(1, mul(-1, y)), log(add(1, mul(-1, p))))));
    expect(evaluateLiteral(literal, { z: 40, y: 0 })).toBe(Infinity);
    expect(evaluate(literal, { z: 40, y: 0 })).toBe(40);
    expect(evaluate(literal, { z: 800, y: 0 })).toBe(800);
    expect(evaluateLiteral(literal, { z: 0.5, y: 1 })).toBeCloseTo(evaluate(literal, { z: 0.5, y: 1 }), 14);
    // The same expression twice reuses its cached lowered form and gives the same value.
    expect(evaluate(literal, { z: -3, y: 1 })).toBe(evaluate(literal, { z: -3, y: 1 }));
  });
});

describe("evaluate reads only what env itself holds", () => {
  const [x, y] = symbols("x y");
  const toString = symbols("toString")[0];
  it.each([
    ["an inherited value", () => evaluate(add(x, 1), { __proto__: { x: 2 } } as never), RangeError, 'evaluate: no value for variable "x"'],
    ["an inherited Object.prototype member", () => evaluate(mul(toString, 2), {}), RangeError, 'evaluate: no value for variable "toString"'],
    ["a NaN value", () => evaluate(add(x, y), { x: 1, y: NaN }), RangeError, 'evaluate: the value of "y" is NaN'],
    ["a string value", () => evaluate(add(x, y), { x: 1, y: "2" as never }), TypeError, 'evaluate: the value of "y" must be a number, got string'],
    ["a missing variable in evaluateLiteral", () => evaluateLiteral(add(x, y), { x: 1 }), RangeError, 'evaluate: no value for variable "y"'],
  ])("refuses %s", (_, call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  it("accepts own values, infinities included, and an own toString", () => {
    expect(evaluate(add(x, 1), Object.assign(Object.create(null), { x: 2 }))).toBe(3);
    expect(evaluate(mul(toString, 2), { toString: 4 } as never)).toBe(8);
    expect(evaluate(add(x, y), { x: Infinity, y: 1 })).toBe(Infinity);
  });
});

describe("printing an expression", () => {
  const [x, y] = symbols("x y");
  const e = sigmoid(add(mul(2, x), y));
  it("String, template literals, console.log and util.inspect print show(expr)", () => {
    expect(String(e)).toBe(show(e));
    expect(`${e}`).toBe("sigmoid(y + 2*x)");
    expect(inspect(e)).toBe("sigmoid(y + 2*x)");
    expect(inspect({ loss: e })).toBe("{ loss: sigmoid(y + 2*x) }");
  });

  it("summarises an expression whose printed text would repeat shared parts too often", () => {
    let chain = x;
    for (let k = 0; k < 60; k++) chain = mul(add(chain, 1), add(chain, 2));
    expect(String(chain)).toMatch(/^<mul expression: over 1e15 nodes once shared parts are repeated; see showProgram/);
  });
});
