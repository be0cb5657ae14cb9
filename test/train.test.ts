import { describe, expect, it } from "vitest";
import type { GeneratedModel } from "../src/contract.ts";
import { DATASETS, clusters, threeClusters, wave } from "../src/data.ts";
import { randomParams } from "../src/init.ts";
import { evaluate } from "../src/metrics.ts";
import { getModel } from "../src/models.ts";
import { LossHistory } from "../src/loss-history.ts";
import { train, trainInSlices, type TrainOptions } from "../src/train.ts";
import { linearFixture } from "./fixtures/linear-model.ts";
import { seedFixture } from "./fixtures/seed-model.ts";

const model = (name: string): GeneratedModel => {
  const found = getModel(name);
  if (!found) throw new Error(`generated model ${name} is missing; run npm run generate`);
  return found;
};
const seed = model("seed");
const regression = model("regression_2_16_1");
const data = clusters();
const p0 = randomParams(seed.PARAM_NAMES, "42/init");
const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");

describe("train, the seed's way (full-batch GD, lr 0.5, 2000 epochs)", () => {
  const run = train(seed, data, p0, { lr: 0.5, epochs: 2000 });

  it("reaches accuracy ≥ 0.99 with a falling loss", () => {
    expect(run.stop).toBe("epochs");
    expect(run.epochs).toBe(2000);
    expect(evaluate(seed, run.params, data).accuracy).toBeGreaterThanOrEqual(0.99);
    expect(run.finalLoss).toBeLessThan(run.losses[0] / 10);
    for (let e = 100; e < 2000; e += 100) expect(run.losses[e]).toBeLessThan(run.losses[e - 100]);
  });

  it("records losses[e] before epoch e's update and finalLoss after the last", () => {
    expect(run.losses.length).toBe(2000);
    expect(run.losses[0]).toBe(seed.loss(p0, data.X, data.Y));
    expect(run.finalLoss).toBe(seed.loss(run.params, data.X, data.Y));
    expect(bits(run.initialParams)).toBe(bits(p0));
  });

  it("gives the same history bit for bit from the same seed", () => {
    const again = train(seed, data, randomParams(seed.PARAM_NAMES, "42/init"), { lr: 0.5, epochs: 2000 });
    expect(bits(again.losses)).toBe(bits(run.losses));
    expect(bits(again.params)).toBe(bits(run.params));
  });
});

describe("one GD step", () => {
  it("equals params − lr·grad exactly", () => {
    const grad = new Float64Array(p0.length);
    seed.lossAndGradient(p0, data.X, data.Y, grad);
    const one = train(seed, data, p0, { lr: 0.5, epochs: 1 });
    expect([...one.params]).toEqual([...p0].map((p, i) => p - 0.5 * grad[i]));
  });
});

describe("the generated seed agrees with the hand-written one", () => {
  it("on loss and gradient at the seed's starting point and after training", () => {
    for (const params of [p0, train(seedFixture, data, p0, { lr: 0.5, epochs: 300 }).params]) {
      const [g, h] = [new Float64Array(9), new Float64Array(9)];
      const [a, b] = [
        seed.lossAndGradient(params, data.X, data.Y, g),
        seedFixture.lossAndGradient(params, data.X, data.Y, h),
      ];
      expect(a).toBeCloseTo(b, 12);
      g.forEach((v, i) => expect(v).toBeCloseTo(h[i], 12));
    }
  });
});

describe("other optimizers and mini-batches reduce the loss", () => {
  // One line per case: model, dataset, options; each must cut the loss at least fourfold.
  it.each([
    ["mlp_2_16_1", "xor", { optimizer: "momentum", lr: 0.1, epochs: 200 }],
    ["mlp_2_16_16_1", "moons", { optimizer: "adam", lr: 0.01, epochs: 150 }],
    ["mlp_2_16_1", "circles", { lr: 0.5, epochs: 60, batch: 20, seed: 9 }],
    ["seed", "clusters", { optimizer: "adam", lr: 0.05, epochs: 30, batch: 32, seed: 9 }],
    ["softmax_2_8_3", "three-clusters", { optimizer: "momentum", lr: 0.05, epochs: 200 }],
    ["regression_2_16_1", "wave", { optimizer: "adam", lr: 0.01, epochs: 300, batch: 50, seed: 3 }],
  ] as const)("%s on %s with %j", (name, dataset, options) => {
    const m = model(name);
    const d = DATASETS[dataset]({ seed: 42 });
    const run = train(m, d, randomParams(m.PARAM_NAMES, "42/init"), options as TrainOptions);
    expect(run.stop).toBe("epochs");
    expect(run.finalLoss).toBeLessThan(run.losses[0] / 4);
  });

  it("the softmax model separates three clusters by argmax", () => {
    const m = model("softmax_2_8_3");
    const d = threeClusters();
    const run = train(m, d, randomParams(m.PARAM_NAMES, 1), { lr: 0.5, epochs: 500 });
    expect(evaluate(m, run.params, d).accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it("the regression model fits the wave (R² > 0.9)", () => {
    const d = wave();
    const run = train(regression, d, randomParams(regression.PARAM_NAMES, 1), { lr: 0.05, epochs: 1000 });
    expect(evaluate(regression, run.params, d).r2).toBeGreaterThan(0.9);
  });

  it("shuffles mini-batches by seed: same seed same result, another seed another", () => {
    const a = train(seed, data, p0, { lr: 0.5, epochs: 5, batch: 16, seed: 1 });
    const b = train(seed, data, p0, { lr: 0.5, epochs: 5, batch: 16, seed: 1 });
    const c = train(seed, data, p0, { lr: 0.5, epochs: 5, batch: 16, seed: 2 });
    expect(bits(a.params)).toBe(bits(b.params));
    expect(bits(a.params)).not.toBe(bits(c.params));
  });
});

describe("options", () => {
  it.each([
    [{ lr: 0, epochs: 1 }, /lr: expected a finite number > 0, got 0/],
    [{ lr: Number.NaN, epochs: 1 }, /lr: expected a finite number > 0, got NaN/],
    [{ lr: 0.1, epochs: 1.5 }, /epochs: expected an integer from 1 to 1000000000, got 1.5/],
    [{ lr: 0.1, epochs: 2 ** 32 }, /epochs: expected an integer from 1 to 1000000000, got 4294967296/],
    [{ lr: 0.1, epochs: 1, divergence: 1 }, /divergence: expected a factor > 1/],
    [{ lr: 0.1, epochs: 1, batch: 0 }, /batch: expected a positive integer, got 0/],
  ])("refuses %j", (options, message) => {
    expect(() => train(seed, data, p0, options)).toThrow(message);
  });

  it("refuses initial parameters of the wrong length", () => {
    expect(() => train(seed, data, new Float64Array(3), { lr: 0.1, epochs: 1 })).toThrow(
      /initialParams: expected 9 values \(seed\), got 3/,
    );
  });
});

describe("stopping", () => {
  it("stops once the loss changes by no more than the tolerance", () => {
    const run = train(seed, data, p0, { lr: 0.5, epochs: 100_000, tolerance: 1e-6 });
    expect(run.stop).toBe("tolerance");
    expect(run.epochs).toBeLessThan(100_000);
    expect(run.losses.length).toBe(run.epochs);
    expect(Math.abs(run.losses[run.epochs - 1] - run.losses[run.epochs - 2])).toBeLessThanOrEqual(1e-6);
    expect(run.message).toMatch(/epoch \d+/);
  });

  // With the divergence check off, lr 1e6 runs on until a value is non-finite.
  const noDivergence = { divergence: Infinity };

  it("stops on non-finite values (lr 1e6 on MSE), names the epoch and keeps the last finite parameters", () => {
    const w = wave();
    const start = randomParams(regression.PARAM_NAMES, 5);
    const run = train(regression, w, start, { lr: 1e6, epochs: 1000, ...noDivergence });
    expect(run.stop).toBe("non-finite");
    expect(run.epochs).toBeLessThan(1000);
    expect(run.message).toMatch(new RegExp(`epoch ${run.epochs}\\b`));
    expect(run.params.every(Number.isFinite)).toBe(true);
    expect(run.losses.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(run.finalLoss)).toBe(true);
    // The kept parameters are those the last completed epoch produced: replaying it reproduces them.
    const replay = train(regression, w, start, { lr: 1e6, epochs: run.epochs, ...noDivergence });
    expect(bits(replay.params)).toBe(bits(run.params));
  });

  it("stops the same way on a plain linear model, with a mini-batch run too", () => {
    const linear = train(linearFixture, wave(), randomParams(linearFixture.PARAM_NAMES, 5), {
      lr: 1e6,
      epochs: 1000,
      ...noDivergence,
    });
    expect(linear.stop).toBe("non-finite");
    const run = train(regression, wave(), randomParams(regression.PARAM_NAMES, 5), {
      lr: 1e6,
      epochs: 1000,
      batch: 10,
      ...noDivergence,
    });
    expect(run.stop).toBe("non-finite");
    expect(run.params.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(run.finalLoss)).toBe(true);
  });
});

describe("finite divergence", () => {
  it.each([
    ["seed, lr 1e300 (issue's repro)", seed, data, { lr: 1e300, epochs: 200 }],
    ["regression, lr 1e6", regression, wave(), { lr: 1e6, epochs: 1000 }],
    ["regression, lr 1e6, mini-batches", regression, wave(), { lr: 1e6, epochs: 1000, batch: 10 }],
  ] as const)("%s stops as diverged and keeps the best parameters", (_name, model, d, options) => {
    const start = randomParams(model.PARAM_NAMES, 5);
    const run = train(model, d, start, options);
    expect(run.stop).toBe("diverged");
    expect(run.message).toMatch(
      /^loss diverged to \S+ at epoch \d+, over 1e\+6 × its initial \S+; kept the best parameters, from the start of epoch \d+ \(loss \S+\)$/,
    );
    // The kept parameters are the best seen: no recorded loss is lower than theirs.
    const initial = model.loss(start, d.X, d.Y);
    expect(run.finalLoss).toBeLessThanOrEqual(initial);
    for (const loss of run.losses) expect(run.finalLoss).toBeLessThanOrEqual(loss);
    expect(run.epochs).toBeLessThan(options.epochs);
  });
});

describe("loss history", () => {
  it("keeps every epoch up to its capacity, then buckets with first, min and max", () => {
    const history = new LossHistory(4);
    const losses = [5, 3, 4, 1, 2, 9, 7, 8, 6, 0];
    for (const loss of losses) history.push(loss);
    const read = history.read();
    // 10 epochs in 4 buckets: width 4 after two halvings; buckets [5,3,4,1] [2,9,7,8] [6,0].
    expect(read.lossEvery).toBe(4);
    expect([...read.losses]).toEqual([5, 2, 6]);
    expect([...read.lossMin]).toEqual([1, 2, 0]);
    expect([...read.lossMax]).toEqual([5, 9, 6]);
  });

  it("is exact while short: read(k) cuts to the reported epochs", () => {
    const history = new LossHistory(4);
    [3, 2, 1].forEach((loss) => history.push(loss));
    expect(history.read(2)).toEqual({
      losses: Float64Array.of(3, 2),
      lossEvery: 1,
      lossMin: Float64Array.of(3, 2),
      lossMax: Float64Array.of(3, 2),
    });
  });

  it("bounds a long run's history: 25,000 epochs of the seed keep ≤ 10,000 losses that match a full record", () => {
    const full: number[] = [];
    const run = train(seed, data, p0, { lr: 0.5, epochs: 25_000, onEpoch: (_e, loss) => void full.push(loss) });
    expect(run.lossEvery).toBe(4);
    expect(run.losses.length).toBe(6250);
    for (let k = 0; k < run.losses.length; k += 997) {
      const bucket = full.slice(4 * k, 4 * k + 4);
      expect(run.losses[k]).toBe(bucket[0]);
      expect(run.lossMin[k]).toBe(Math.min(...bucket));
      expect(run.lossMax[k]).toBe(Math.max(...bucket));
    }
  });
});

describe("stopping from outside (Ctrl-C)", () => {
  it("shouldStop ends the run after the current epoch, keeping it", () => {
    let calls = 0;
    const run = train(seed, data, p0, { lr: 0.5, epochs: 1000, shouldStop: () => ++calls === 7 });
    expect(run.stop).toBe("interrupted");
    expect(run.epochs).toBe(7);
    expect(run.losses.length).toBe(7);
    const replay = train(seed, data, p0, { lr: 0.5, epochs: 7 });
    expect(bits(run.params)).toBe(bits(replay.params));
  });

  it("trainInSlices gives train()'s result bit for bit while returning to the event loop", async () => {
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const sliced = await trainInSlices(seed, data, p0, { lr: 0.5, epochs: 3000 }, 1);
    clearInterval(ticker);
    const plain = train(seed, data, p0, { lr: 0.5, epochs: 3000 });
    expect(bits(sliced.params)).toBe(bits(plain.params));
    expect(bits(sliced.losses)).toBe(bits(plain.losses));
    expect(turns).toBeGreaterThan(0);
  });
});
