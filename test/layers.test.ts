/**
 * Recorded dense layers (nn/dense.ts, nn/layers.ts) and the model checks that rely on them (model.ts):
 * a record is trusted only when its nodes say what it claims, checked by structure (isExactByStructure)
 * or, failing that, by rebuilding the sums (planLayers); defineModel checks a layered model by walking
 * units instead of weights, with the same verdicts and messages as walking every node.
 */
import { describe, expect, it } from "vitest";
import { add, defineModel, dense, mlp, mul, num, sigmoid, sub, symbols, validateModel, type DenseLayer, type ModelSpec } from "../generator/index.ts";
import { isExactByStructure, planLayers } from "../generator/nn/layers.ts";

const [x1, x2, y] = symbols("x1 x2 y");

/** A 2-3-1 network from dense(), its loss a squared error of the sigmoid output. */
function network() {
  const hidden = dense([x1, x2], 3, { layer: 1, activation: "tanh" });
  const out = dense(hidden.outputs, 1, { layer: 2, activation: "sigmoid" });
  const loss = mul(sub(out.outputs[0], y), sub(out.outputs[0], y));
  const spec = { name: "net", inputs: [x1, x2], targets: [y], params: [...hidden.params, ...out.params], outputs: out.outputs, loss };
  return { hidden, out, spec };
}

/** The same record with some fields replaced (a record a model file could have forged). */
const forged = (layer: DenseLayer, change: Partial<DenseLayer>): DenseLayer => ({ ...layer, ...change });

describe("isExactByStructure", () => {
  it("holds for every layer dense() and mlp() build, and planLayers plans them", () => {
    const { hidden, out, spec } = network();
    expect([hidden, out].map(isExactByStructure)).toEqual([true, true]);
    const net = mlp({ layers: [2, 16, 16, 1], activation: "sigmoid", output: "sigmoid", loss: "bce" });
    expect(net.layers.map(isExactByStructure)).toEqual([true, true, true]);
    expect("reason" in planLayers({ ...spec, layers: [hidden, out] })).toBe(false);
  });

  it.each([
    ["two units' sums swapped", (l: DenseLayer) => forged(l, { z: [l.z[1], l.z[0], l.z[2]] }), /layer 1: z1 is not its weights times the inputs plus its bias/],
    ["an output that is not the activation of its sum", (l: DenseLayer) => forged(l, { outputs: [sigmoid(l.z[0]), ...l.outputs.slice(1)] }), /layer 1: output 1 is not tanh\(z1\)/],
    ["a weight listed twice", (l: DenseLayer) => forged(l, { params: [l.params[0], ...l.params.slice(0, -1)] }), /layer 1: parameters must be distinct symbols/],
    ["an unknown activation", (l: DenseLayer) => forged(l, { activation: "gelu" as never }), /layer 1: unknown activation "gelu"/],
  ])("fails for a record with %s, and planLayers says why", (_, forge, reason) => {
    const { hidden, out, spec } = network();
    const lie = forge(hidden);
    expect(isExactByStructure(lie)).toBe(false);
    const plan = planLayers({ ...spec, layers: [lie, { ...out, inputs: lie.outputs }] });
    expect("reason" in plan && plan.reason).toMatch(reason);
  });

  it("fails when a term vanished (an input that is the constant 0), which the rebuilt sums still accept", () => {
    const layer = dense([x1, num(0)], 2, { layer: 1 });
    expect(layer.z[0].args.length).toBe(2); // w·x1 + b: the term of the constant 0 is gone
    expect(isExactByStructure(layer)).toBe(false);
  });
});

describe("defineModel on layered models", () => {
  /** The verdict of defineModel with the layers recorded and without them (every node walked). */
  const verdicts = (spec: ModelSpec) => {
    const message = (s: ModelSpec) => {
      try {
        defineModel(s);
        return "accepted";
      } catch (error) {
        return (error as Error).message;
      }
    };
    return [message(spec), message({ ...spec, layers: undefined })];
  };

  it.each([
    ["a valid model", (s: ReturnType<typeof network>["spec"]) => s, /^accepted$/],
    ["a loss that ignores a hidden unit's weights", (s: ReturnType<typeof network>["spec"]) => ({ ...s, params: [...s.params, ...symbols("w9_1_1")] }), /the loss does not depend on parameter\(s\) w9_1_1/],
    ["a layer parameter missing from params", (s: ReturnType<typeof network>["spec"]) => ({ ...s, params: s.params.filter((p) => p.name !== "w1_2_2") }), /loss uses symbols in no role: w1_2_2/],
    ["an output that reads a target", (s: ReturnType<typeof network>["spec"]) => ({ ...s, outputs: [add(s.outputs[0], y)] }), /outputs must not depend on targets \(predict has none\): y/],
  ])("gives the same verdict for %s with and without its layers", (_, change, expected) => {
    const { hidden, out, spec } = network();
    const [withLayers, withoutLayers] = verdicts({ ...change(spec), layers: [hidden, out] });
    expect(withLayers).toMatch(expected);
    expect(withLayers).toBe(withoutLayers);
  });

  it("freezes what it returns, and validateModel returns a model this copy checked as it is", () => {
    const { hidden, out, spec } = network();
    const model = defineModel({ ...spec, layers: [hidden, out] });
    expect(validateModel(model)).toBe(model);
    expect(() => (model.params as unknown[]).push(x1)).toThrow(TypeError);
    expect(() => (model.layers[0].z as unknown[]).pop()).toThrow(TypeError);
    // A copy is data like any other: adopted and checked again, into an equal model.
    const copy = validateModel({ ...model });
    expect(copy).not.toBe(model);
    expect(copy.loss).toBe(model.loss);
    expect(copy.layers.map(isExactByStructure)).toEqual([true, true]);
  });
});
