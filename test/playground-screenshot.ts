/**
 * Retakes the README's picture of the playground (docs/playground.png): builds the site, opens it in
 * Debian's Chromium (playground-browser.ts) on the features model separating circles with adam, lets it
 * train for a few seconds and screenshots the page while it runs (so its rates are live).
 * Run: npx tsx test/playground-screenshot.ts
 */
import { join } from "node:path";
import { buildSite, launchChromium, ROOT, serveSite } from "./playground-browser.ts";

const QUERY = "?model=features_7_8_1&data=circles&optimizer=adam&lr=0.03";
const TRAIN_MS = 4000;

await buildSite();
const { url, server } = await serveSite();
const { context, close } = await launchChromium();
try {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1180, height: 760 });
  await page.goto(`${url}/${QUERY}`);
  await page.getByTestId("loss").filter({ hasText: /\d/ }).waitFor({ timeout: 20_000 });
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForTimeout(TRAIN_MS);
  const file = join(ROOT, "docs/playground.png");
  await page.screenshot({ path: file });
  console.log(`wrote ${file}: epoch ${await page.getByTestId("epoch").textContent()}, ${await page.getByTestId("epochs-per-second").textContent()} epochs/s`);
} finally {
  await close();
  server.close();
}
