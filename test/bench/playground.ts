/**
 * npx tsx test/bench/playground.ts [--no-build]
 *
 * Measures the built playground in Debian's Chromium: first paint of the page from a local server
 * (median of 7 fresh loads), epochs per second and frames per second while training (medians of the
 * page's own readouts over ~6 s after a warm-up), and the same models' epochs per second in Node in
 * this process (the playground's trainer, full batch, 200 points), so the ratio is from one run.
 */
import * as seed from "../../generated/seed.ts";
import * as mlp2 from "../../generated/mlp_2_16_16_1.ts";
import type { GeneratedModel } from "../../src/contract.ts";
import { Trainer, splitData, type TrainerSettings } from "../../src/playground/trainer.ts";
import { buildSite, launchChromium, serveSite } from "../playground-browser.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function nodeEpochsPerSecond(model: GeneratedModel, data: TrainerSettings["data"]): number {
  const settings: TrainerSettings = { data, split: 100, optimizer: "gd", lr: 0.5, batch: 0, seed: "42", regularization: { l1: 0, l2: 0 } };
  const trainer = new Trainer(model, splitData(model, settings), settings);
  for (let i = 0; i < 2000; i++) trainer.step(); // warm-up (TurboFan)
  const rates: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    let epochs = 0;
    while (performance.now() - start < 300) {
      for (let i = 0; i < 50; i++) trainer.step();
      epochs += 50;
    }
    rates.push((epochs * 1000) / (performance.now() - start));
  }
  return median(rates);
}

if (!process.argv.includes("--no-build")) await buildSite();
const { url, server } = await serveSite();
const { context, close } = await launchChromium();
try {
  const paints: number[] = [];
  for (let i = 0; i < 7; i++) {
    const page = await context.newPage();
    await page.goto(`${url}/?model=seed`);
    await page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint").length > 0);
    paints.push(await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0].startTime));
    await page.close();
  }
  console.log(`first contentful paint: median ${median(paints).toFixed(0)} ms (of ${paints.map((p) => p.toFixed(0)).join(", ")})`);

  for (const [name, model] of [
    ["seed", seed],
    ["mlp_2_16_16_1", mlp2],
  ] as const) {
    const page = await context.newPage();
    await page.goto(`${url}/?model=${name}&data=clusters&optimizer=gd&lr=0.5&split=100`);
    await page.waitForFunction(() => document.querySelector('[data-testid="loss"]')?.textContent !== "");
    await page.getByTestId("start").click();
    await page.waitForTimeout(2500);
    const eps: number[] = [];
    const fps: number[] = [];
    for (let i = 0; i < 12; i++) {
      await page.waitForTimeout(500);
      eps.push(Number(await page.getByTestId("epochs-per-second").textContent()));
      fps.push(Number(await page.getByTestId("fps").textContent()));
    }
    await page.close();
    const node = nodeEpochsPerSecond(model, "clusters");
    const browser = median(eps);
    console.log(
      `${name}: Chromium worker ${browser.toFixed(0)} epochs/s (${(1000 / browser).toFixed(3)} ms/epoch), ` +
        `${median(fps)} frames/s while training; Node ${node.toFixed(0)} epochs/s; Chromium/Node ${(browser / node).toFixed(2)}`,
    );
  }
} finally {
  await close();
  server.close();
}
