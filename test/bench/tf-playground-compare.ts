/**
 * TensorFlow Playground's engine design (tf-playground-engine.ts) against the generated mlp_2_16_16_1
 * module, on the playground's own workload: a 2-16-16-1 tanh network, one full-batch gradient-descent
 * epoch over 200 points (clusters, seed 42). Runs unchanged in Node and, bundled, in Chromium
 * (tf-playground.ts does both), so both ratios come from the same code.
 *
 * First it checks that the two compute the same thing: the mean gradient at the seeded initial
 * parameters, and the parameters after 50 epochs of gradient descent, to a relative 1e-12 and 1e-10.
 * Then it times both in interleaved rounds and reports medians.
 */
import * as mlp from "../../generated/mlp_2_16_16_1.ts";
import { clusters } from "../../src/data.ts";
import { randomParams } from "../../src/init.ts";
import { createOptimizer } from "../../src/optimizers.ts";
import {
  CROSS_ENTROPY, SIGMOID, TANH, accumulatedGradient, backward, buildNetwork, forward, loadParameters, readParameters, trainEpoch,
} from "./tf-playground-engine.ts";

export interface Comparison {
  /** max |engine − generated| / max |generated| for the gradient, and for the parameters after 50 epochs. */
  gradientDifference: number;
  parameterDifference: number;
  engineMsPerEpoch: number;
  generatedMsPerEpoch: number;
  /** engine / generated. */
  ratio: number;
}

const LEARNING_RATE = 0.5;

function relativeDifference(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < a.length; k++) {
    diff = Math.max(diff, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(b[k]));
  }
  return diff / scale;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function compare(rounds = 7, roundMs = 300): Comparison {
  const { X, Y } = clusters({ seed: "42" });
  const names = mlp.PARAM_NAMES;
  const initial = randomParams(names, "42/init");

  // The engine, loaded with the module's initial parameters.
  const network = buildNetwork([2, 16, 16, 1], TANH, SIGMOID);
  loadParameters(network, names, initial);
  for (let r = 0; r < Y.length; r++) {
    forward(network, [X[2 * r], X[2 * r + 1]]);
    backward(network, Y[r], CROSS_ENTROPY);
  }
  const engineGradient = accumulatedGradient(network, names);
  const generatedGradient = new Float64Array(names.length);
  mlp.lossAndGradient(initial, X, Y, generatedGradient);
  const gradientDifference = relativeDifference(engineGradient, generatedGradient);

  // 50 epochs of gradient descent on both (the engine's accumulators still hold the pass above: clear them).
  loadParameters(network, names, initial);
  for (const layer of network) for (const node of layer) for (const link of [node, ...node.inputs]) (link.accumulated = 0), (link.count = 0);
  const params = Float64Array.from(initial);
  const grad = new Float64Array(names.length);
  const gd = createOptimizer("gd", names.length, { lr: LEARNING_RATE });
  const generatedEpoch = () => {
    const loss = mlp.lossAndGradient(params, X, Y, grad);
    gd.step(params, grad);
    return loss;
  };
  const engineEpoch = () => trainEpoch(network, X, Y, LEARNING_RATE, CROSS_ENTROPY);
  for (let e = 0; e < 50; e++) {
    engineEpoch();
    generatedEpoch();
  }
  const parameterDifference = relativeDifference(readParameters(network, names), params);
  if (!(gradientDifference <= 1e-12 && parameterDifference <= 1e-10)) {
    throw new Error(`the engine and the generated module disagree: gradient ${gradientDifference}, parameters after 50 epochs ${parameterDifference}`);
  }

  // Timing: interleaved rounds of about roundMs each, after a warm-up of both.
  const timeRound = (epoch: () => number) => {
    let sink = 0;
    let epochs = 0;
    const start = performance.now();
    do {
      for (let k = 0; k < 5; k++) sink += epoch();
      epochs += 5;
    } while (performance.now() - start < roundMs);
    if (!Number.isFinite(sink)) throw new Error("non-finite loss while timing");
    return (performance.now() - start) / epochs;
  };
  timeRound(engineEpoch);
  timeRound(generatedEpoch);
  const engineTimes: number[] = [];
  const generatedTimes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    engineTimes.push(timeRound(engineEpoch));
    generatedTimes.push(timeRound(generatedEpoch));
  }
  const engineMsPerEpoch = median(engineTimes);
  const generatedMsPerEpoch = median(generatedTimes);
  return { gradientDifference, parameterDifference, engineMsPerEpoch, generatedMsPerEpoch, ratio: engineMsPerEpoch / generatedMsPerEpoch };
}
