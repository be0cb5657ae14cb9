/**
 * npx tsx test/bench/playground.ts [--no-build] [model …]
 *
 * Measures the built playground in Debian's Chromium: first paint of the page from a local server
 * (median of 7 fresh loads), epochs per second and frames per second while training (medians of the
 * page's own readouts over ~6 s after a warm-up) for every model the page offers (or those named), and
 * the same models' epochs per second in Node in this process (the playground's trainer, gd, full batch,
 * the model's first dataset), so the ratio is from one run.
 */
import { MODELS } from "../../generated/index.ts";
import type { GeneratedModel } from "../../src/contract.ts";
import { MODEL_LABELS } from "../../src/playground/labels.ts";
import { Trainer, datasetsFor, splitData, type TrainerSettings } from "../../src/playground/trainer.ts";
import { buildSite, launchChromium, serveSite } from "../playground-browser.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function nodeEpochsPerSecond(model: GeneratedModel): number {
  const data = datasetsFor(model.MODEL.task)[0];
  const settings: TrainerSettings = { data, split: 100, optimizer: "gd", lr: model.MODEL.task === "regression" ? 0.05 : 0.5, batch: 0, seed: "42", regularization: { l1: 0, l2: 0 } };
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

  const named = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  for (const name of named.length > 0 ? named : Object.keys(MODEL_LABELS)) {
    const page = await context.newPage();
    // gd at 0.5 diverges on the regression data; 0.05 trains it.
    const lr = name.startsWith("regression") ? 0.05 : 0.5;
    await page.goto(`${url}/?model=${name}&optimizer=gd&lr=${lr}&split=100`);
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
    const model = (MODELS as Record<string, GeneratedModel | undefined>)[name];
    const node = model ? nodeEpochsPerSecond(model) : NaN; // presets built by the Vite plugin exist only in the page
    const browser = median(eps);
    console.log(
      `${name}: Chromium worker ${browser.toFixed(0)} epochs/s (${(1000 / browser).toFixed(3)} ms/epoch), ` +
        `${median(fps)} frames/s while training` +
        (model ? `; Node ${node.toFixed(0)} epochs/s; Chromium/Node ${(browser / node).toFixed(2)}` : ""),
    );
  }
} finally {
  await close();
  server.close();
}
