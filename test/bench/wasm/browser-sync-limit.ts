/**
 * Up to what size does Chromium compile a WebAssembly module synchronously (`new WebAssembly.Module`) on
 * a page's main thread? (Chrome once refused anything above 4 KB; see README.md here.) Each size is a
 * valid empty module padded with a custom section, compiled on the main thread and, for the largest,
 * in a worker too.
 *
 *   npx tsx test/bench/wasm/browser-sync-limit.ts      (Debian's chromium; CHROMIUM=path to choose another)
 */
import { chromium } from "playwright-core";
import { CHROMIUM } from "../../playground-browser.ts";

const SIZES = [4_000, 9_000, 100_000, 1_000_000, 9_000_000];

/** Runs in the page: compiles each size on the main thread, the largest in a worker too; one line each. */
const PAGE_SCRIPT = `(async (sizes) => {
  // A module of exactly \`size\` bytes: the header, then one custom section named "x" of zeros.
  const leb = (value) => {
    const bytes = [];
    do {
      let byte = value & 0x7f;
      value >>>= 7;
      if (value !== 0) byte |= 0x80;
      bytes.push(byte);
    } while (value !== 0);
    return bytes;
  };
  const paddedModule = (size) => {
    const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    let body = size - header.length - 1 - 2;
    while (header.length + 1 + leb(body + 2).length + 2 + body > size) body--;
    const out = new Uint8Array(header.length + 1 + leb(body + 2).length + 2 + body);
    out.set([...header, 0, ...leb(body + 2), 1, 0x78]);
    return out;
  };
  const lines = [];
  for (const size of sizes) {
    const bytes = paddedModule(size);
    try {
      new WebAssembly.Module(bytes);
      lines.push(bytes.length + " B on the main thread: compiled");
    } catch (error) {
      lines.push(bytes.length + " B on the main thread: " + error.message);
    }
  }
  const source = "onmessage = (e) => { try { new WebAssembly.Module(e.data); postMessage('compiled'); } catch (err) { postMessage(err.message); } };";
  const worker = new Worker(URL.createObjectURL(new Blob([source])));
  const largest = paddedModule(sizes[sizes.length - 1]);
  const inWorker = await new Promise((resolve) => {
    worker.onmessage = (e) => resolve(String(e.data));
    worker.postMessage(largest);
  });
  lines.push(largest.length + " B in a worker: " + inWorker);
  return lines;
})(SIZES)`;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  // Page code as text: tsx compiles this file with esbuild's keepNames, whose __name helper the page lacks.
  const results = (await page.evaluate(PAGE_SCRIPT.replace("SIZES", JSON.stringify(SIZES)))) as string[];
  console.log(`${browser.version()}\n${results.join("\n")}`);
} finally {
  await browser.close();
}
