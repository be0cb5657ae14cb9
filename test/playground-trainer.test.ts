/**
 * The playground's stepping trainer against the CLI's train() (same data, initial parameters and updates,
 * bit for bit), the seeded train/test split, and the L1/L2 penalty against central differences.
 */
import { describe, expect, it } from "vitest";
import * as seed from "../generated/seed.ts";
import * as softmax from "../generated/softmax_2_8_3.ts";
import { clusters, threeClusters } from "../src/data.ts";
import { randomParams } from "../src/init.ts";
import { addPenaltyGradient, penalty, penaltyMask } from "../src/regularization.ts";
import { createRng } from "../src/rng.ts";
import { train } from "../src/train.ts";
import { Trainer, splitData, type TrainerSettings } from "../src/playground/trainer.ts";

const settings = (overrides: Partial<TrainerSettings> = {}): TrainerSettings => ({
  data: "clusters",
  split: 100,
  optimizer: "gd",
  lr: 0.5,
  batch: 0,
  seed: "42",
  regularization: { l1: 0, l2: 0 },
  ...overrides,
});

/** The playground's losses and parameters after `epochs` steps. */
function runPlayground(model: typeof seed | typeof softmax, s: TrainerSettings, epochs: number) {
  const trainer = new Trainer(model, splitData(model, s), s);
  const losses = Float64Array.from({ length: epochs }, () => trainer.step());
  return { losses, params: trainer.params, initial: trainer.initialParams };
}

describe("playground trainer = npm run train", () => {
  it("full-batch gd on the seed: same data, initial parameters, losses and parameters bit for bit", () => {
    const ours = runPlayground(seed, settings(), 500);
    const data = clusters({ seed: "42" });
    const theirs = train(seed, data, randomParams(seed.PARAM_NAMES, "42/init"), { lr: 0.5, epochs: 500 });
    expect(ours.initial).toEqual(theirs.initialParams);
    expect(ours.losses).toEqual(theirs.losses);
    expect(ours.params).toEqual(theirs.params);
  });

  it("mini-batch adam on three clusters: the same shuffles and updates as the CLI (seed/batches)", () => {
    const s = settings({ data: "three-clusters", optimizer: "adam", lr: 0.01, batch: 32, seed: "7" });
    const ours = runPlayground(softmax, s, 40);
    const theirs = train(softmax, threeClusters({ seed: "7" }), randomParams(softmax.PARAM_NAMES, "7/init"), {
      lr: 0.01,
      epochs: 40,
      optimizer: "adam",
      batch: 32,
      seed: "7/batches",
    });
    expect(ours.losses).toEqual(theirs.losses);
    expect(ours.params).toEqual(theirs.params);
  });
});

describe("playground lbfgs and newton = npm run train --optimizer lbfgs|newton, one iteration per epoch", () => {
  for (const optimizer of ["lbfgs", "newton"] as const) {
    it(`${optimizer} on the seed with L2: the same losses and final parameters bit for bit, then it stops and says why`, () => {
      const regularization = { l1: 0, l2: 0.001 };
      const s = settings({ optimizer, batch: 20, lr: 123, regularization }); // batch and lr do not apply
      const trainer = new Trainer(seed, splitData(seed, s), s);
      const losses: number[] = [];
      for (let epoch = 0; epoch < 500 && !trainer.finished; epoch++) {
        const loss = trainer.step();
        if (!trainer.finished || Number.isFinite(loss)) losses.push(loss);
      }
      const theirs = train(seed, clusters({ seed: "42" }), randomParams(seed.PARAM_NAMES, "42/init"), { lr: 1, epochs: 500, optimizer, l2: 0.001 });
      expect(trainer.finished).toMatch(new RegExp(`^${optimizer} stopped: `));
      expect(Float64Array.from(losses.slice(0, theirs.losses.length))).toEqual(theirs.losses);
      expect(trainer.params).toEqual(theirs.params);
      expect(trainer.metrics().accuracy).toBe(1);
      const epochs = trainer.epoch;
      expect(trainer.step()).toBeNaN(); // a finished run stays put
      expect(trainer.epoch).toBe(epochs);
    });
  }

  it("newton on a module without hessianVectorProduct is refused with the reason", () => {
    const s = settings({ optimizer: "newton" });
    const withoutHvp = { ...seed, hessianVectorProduct: undefined }; // as modules generated above the H·v size limit
    expect(() => new Trainer(withoutHvp, splitData(withoutHvp, s), s)).toThrow("newton needs the module's hessianVectorProduct, and seed has none (choose lbfgs)");
  });
});

describe("splitData", () => {
  it("puts a seeded share of rows in the test set and keeps the dataset's order in both", () => {
    const split = splitData(seed, settings({ split: 80 }));
    expect(split.test.n).toBe(40);
    expect(split.train.n).toBe(160);
    expect([...split.isTest].reduce((a, b) => a + b, 0)).toBe(40);
    const again = splitData(seed, settings({ split: 80 }));
    expect(again.isTest).toEqual(split.isTest);
    const other = splitData(seed, settings({ split: 80, seed: "43" }));
    expect(other.isTest).not.toEqual(split.isTest);
    // Row order is kept: the first training row is the first dataset row not in the test set.
    const first = split.isTest.indexOf(0);
    expect([...split.train.X.subarray(0, 2)]).toEqual([...split.points.subarray(2 * first, 2 * first + 2)]);
  });
});

describe("L1/L2 penalty", () => {
  const names = ["w11", "b1", "w1_2_1", "b1_2", "v1", "b"];
  const mask = penaltyMask(names);

  it("penalises weights only", () => {
    expect([...mask]).toEqual([1, 0, 1, 0, 1, 0]);
    const params = Float64Array.from([2, 100, -3, 100, 0.5, 100]);
    expect(penalty(params, mask, { l1: 0.1, l2: 0 })).toBeCloseTo(0.1 * (2 + 3 + 0.5), 14);
    expect(penalty(params, mask, { l1: 0, l2: 0.2 })).toBeCloseTo(0.1 * (4 + 9 + 0.25), 14);
  });

  it("adds a gradient that matches central differences of the penalty", () => {
    const rng = createRng("penalty");
    const reg = { l1: 0.03, l2: 0.07 };
    for (let trial = 0; trial < 20; trial++) {
      const params = Float64Array.from(names, () => 3 * rng.normal());
      const grad = Float64Array.from(names, () => rng.normal());
      const before = Float64Array.from(grad);
      const value = addPenaltyGradient(params, grad, mask, reg);
      expect(value).toBe(penalty(params, mask, reg));
      for (let k = 0; k < names.length; k++) {
        const h = 1e-6;
        const plus = Float64Array.from(params);
        const minus = Float64Array.from(params);
        plus[k] += h;
        minus[k] -= h;
        const central = (penalty(plus, mask, reg) - penalty(minus, mask, reg)) / (2 * h);
        expect(Math.abs(grad[k] - before[k] - central)).toBeLessThan(1e-8);
      }
    }
  });

  it("with L2 the trainer's loss includes the penalty and the weights shrink", () => {
    const plain = runPlayground(seed, settings(), 300);
    const shrunk = runPlayground(seed, settings({ regularization: { l1: 0, l2: 0.05 } }), 300);
    const norm = (p: Float64Array) => [...p].reduce((s, v, k) => s + (penaltyMask(seed.PARAM_NAMES)[k] ? v * v : 0), 0);
    expect(norm(shrunk.params)).toBeLessThan(norm(plain.params));
    const X = clusters({ seed: "42" }).X;
    const Y = clusters({ seed: "42" }).Y;
    const initial = randomParams(seed.PARAM_NAMES, "42/init");
    const expected = seed.loss(initial, X, Y) + penalty(initial, penaltyMask(seed.PARAM_NAMES), { l1: 0, l2: 0.05 });
    expect(shrunk.losses[0]).toBe(expected);
  });
});
