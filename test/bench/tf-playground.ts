/**
 * npx tsx test/bench/tf-playground.ts
 *
 * symgrad's generated 2-16-16-1 module against a re-implementation of TensorFlow Playground's engine
 * design (tf-playground-engine.ts), one full-batch GD epoch over 200 points: in Node, then the same code
 * bundled by esbuild in Debian's Chromium, in a Web Worker (where the playground trains) and on the page.
 * Each run first checks that both compute the same gradient (tf-playground-compare.ts).
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { compare, type Comparison } from "./tf-playground-compare.ts";
import { launchChromium } from "../playground-browser.ts";

const show = (where: string, c: Comparison) =>
  console.log(
    `${where.padEnd(18)} engine ${c.engineMsPerEpoch.toFixed(3)} ms/epoch, generated + gd ${c.generatedMsPerEpoch.toFixed(3)} ms/epoch: ` +
      `${c.ratio.toFixed(1)}× faster (agree: gradient ${c.gradientDifference.toExponential(1)}, parameters after 50 epochs ${c.parameterDifference.toExponential(1)})`,
  );

show("Node", compare());

const bundle = await build({
  entryPoints: [fileURLToPath(new URL("./tf-playground-compare.ts", import.meta.url))],
  bundle: true,
  write: false,
  format: "iife",
  globalName: "tfPlaygroundComparison",
  platform: "browser",
  target: "es2022",
  logLevel: "warning",
});
const script = bundle.outputFiles[0].text;
const { context, close } = await launchChromium();
try {
  const page = await context.newPage();
  await page.goto("about:blank");
  const inWorker = await page.evaluate(
    (source) =>
      new Promise<Comparison>((resolve, reject) => {
        const code = `${source}\npostMessage(tfPlaygroundComparison.compare());`;
        const worker = new Worker(URL.createObjectURL(new Blob([code], { type: "text/javascript" })));
        worker.onmessage = (event) => resolve(event.data as Comparison);
        worker.onerror = (event) => reject(new Error(event.message));
      }),
    script,
  );
  show("Chromium worker", inWorker);
  await page.addScriptTag({ content: script });
  show("Chromium page", await page.evaluate(() => (globalThis as unknown as { tfPlaygroundComparison: { compare(): Comparison } }).tfPlaygroundComparison.compare()));
} finally {
  await close();
}
