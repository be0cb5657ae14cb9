/**
 * The playground page: reads the state from the URL, wires the controls, and draws the latest snapshot
 * from the training worker on each animation frame. All training happens in worker.ts.
 */
import { OPTIMIZER_NAMES, isSecondOrder } from "../optimizers.ts";
import { MODEL_LABELS } from "./labels.ts";
import { generatedSource } from "./sources.ts";
import { drawLossChart, drawNeurons, drawPoints, drawSurface, type LossHistory } from "./draw.ts";
import { NEURON_GRID, type FromWorker, type Ready, type Snapshot, type ToWorker } from "./protocol.ts";
import { ACTIVATIONS, FEATURE_NAMES, parseState, stateToSearch, type PageState } from "./state.ts";

/** Predictions per side of the input square (the heat-map's resolution; the canvas smooths it). */
const GRID = 50;
/** Loss-curve points kept; older ones are thinned out by half when full. */
const HISTORY_LIMIT = 2000;
const CUSTOM = "custom";
const OPTIMIZER_LABELS: Record<(typeof OPTIMIZER_NAMES)[number], string> = {
  gd: "gd",
  momentum: "momentum",
  adam: "adam",
  lbfgs: "lbfgs (full batch)",
  newton: "newton (full batch, H·v)",
};
/**
 * While training, the parameter list (up to 300 numbers) is rewritten at most this often: rewriting it
 * every frame made the page lay out hundreds of lines per frame, for digits nobody can read at 20 Hz.
 */
const PARAMS_MS = 250;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const controls = {
  model: $<HTMLSelectElement>("model"),
  dataset: $<HTMLSelectElement>("dataset"),
  noise: $<HTMLInputElement>("noise"),
  split: $<HTMLInputElement>("split"),
  optimizer: $<HTMLSelectElement>("optimizer"),
  lr: $<HTMLInputElement>("lr"),
  batch: $<HTMLInputElement>("batch"),
  l1: $<HTMLInputElement>("l1"),
  l2: $<HTMLInputElement>("l2"),
  seed: $<HTMLInputElement>("seed"),
  discretize: $<HTMLInputElement>("discretize"),
  showTest: $<HTMLInputElement>("show-test"),
  hidden: $<HTMLInputElement>("hidden"),
  activation: $<HTMLSelectElement>("activation"),
  task: $<HTMLSelectElement>("task"),
};
const readouts = {
  epoch: $("epoch"),
  eps: $("eps"),
  loss: $("loss"),
  testLoss: $("test-loss"),
  accuracy: $("accuracy"),
  testAccuracy: $("test-accuracy"),
  r2: $("r2"),
  fps: $("fps"),
  status: $("status"),
};
const boundary = $<HTMLCanvasElement>("boundary");
const lossChart = $<HTMLCanvasElement>("loss-chart");
const startButton = $<HTMLButtonElement>("start");

let state: PageState = parseState(location.search);
let ready: Ready | undefined;
let latest: Snapshot | undefined;
let dirty = false;
let history: LossHistory = { epochs: [], train: [], test: [] };
let neuronCanvases: HTMLCanvasElement[] = [];
let paramCells: HTMLElement[] = [];
let frameTimes: number[] = [];
let paramsDrawnAt = -Infinity;

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (message: ToWorker) => worker.postMessage(message);

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  if (message.type === "error") {
    showStatus(message.message, "error");
  } else if (message.type === "ready") {
    onReady(message);
  } else {
    onSnapshot(message);
  }
};

// ---------------------------------------------------------------------------------------------
// Controls ⇄ state ⇄ URL
// ---------------------------------------------------------------------------------------------

function fillSelect(select: HTMLSelectElement, options: [value: string, label: string][]): void {
  select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
}

function initControls(): void {
  const models: [string, string][] = Object.entries(MODEL_LABELS);
  if (import.meta.env.DEV) models.push([CUSTOM, "custom MLP (generated on request)"]);
  fillSelect(controls.model, models);
  fillSelect(controls.optimizer, OPTIMIZER_NAMES.map((name) => [name, OPTIMIZER_LABELS[name]]));
  fillSelect(controls.activation, ACTIVATIONS.map((name) => [name, name]));
  const features = $("features");
  for (const name of FEATURE_NAMES) {
    const label = document.createElement("label");
    label.className = "check";
    const box = Object.assign(document.createElement("input"), { type: "checkbox", value: name });
    box.dataset.feature = name;
    label.append(box, ` ${name.replace("sq", "²").replace("x1x2", "x1·x2").replace("_", " ")}`);
    features.append(label);
  }
  for (const element of Object.values(controls)) element.addEventListener("change", onControlChange);
  features.addEventListener("change", onControlChange);
  startButton.onclick = () => send({ type: latest?.running ? "pause" : "run" });
  $("step").onclick = () => send({ type: "step" });
  $("reset").onclick = () => send({ type: "reset" });
  const source = $<HTMLDetailsElement>("source");
  source.addEventListener("toggle", () => source.open && void showSource());
}

function showState(): void {
  if (!Object.hasOwn(MODEL_LABELS, state.model) && !(state.model === CUSTOM && import.meta.env.DEV)) state.model = "seed";
  controls.model.value = state.model;
  controls.noise.value = state.noise === undefined || !Number.isFinite(state.noise) ? "" : String(state.noise);
  controls.split.value = String(state.split);
  $("split-value").textContent = `${state.split}`;
  controls.optimizer.value = state.optimizer;
  controls.lr.value = String(state.lr);
  controls.batch.value = String(state.batch);
  // lbfgs and newton choose their own steps on the full batch: the page says so rather than ignoring input.
  const secondOrder = isSecondOrder(state.optimizer);
  controls.lr.disabled = secondOrder;
  controls.batch.disabled = secondOrder;
  $("full-batch-note").hidden = !secondOrder;
  controls.l1.value = String(state.l1);
  controls.l2.value = String(state.l2);
  controls.seed.value = state.seed;
  controls.discretize.checked = state.discretize;
  controls.showTest.checked = state.showTest;
  controls.hidden.value = state.custom.hidden.join(",");
  controls.activation.value = state.custom.activation;
  controls.task.value = state.custom.task;
  for (const box of document.querySelectorAll<HTMLInputElement>("[data-feature]")) {
    box.checked = state.custom.features.includes(box.value);
  }
  $("custom").hidden = state.model !== CUSTOM;
}

function readControls(): PageState {
  const search = new URLSearchParams({
    model: controls.model.value,
    data: controls.dataset.value || state.data,
    split: controls.split.value,
    optimizer: controls.optimizer.value,
    lr: controls.lr.value,
    batch: controls.batch.value,
    seed: controls.seed.value,
    l1: controls.l1.value,
    l2: controls.l2.value,
    discretize: controls.discretize.checked ? "1" : "0",
    test: controls.showTest.checked ? "1" : "0",
    hidden: controls.hidden.value.trim() === "" ? "" : controls.hidden.value,
    activation: controls.activation.value,
    task: controls.task.value,
    features: [...document.querySelectorAll<HTMLInputElement>("[data-feature]:checked")].map((b) => b.value).join(","),
  });
  if (controls.noise.value !== "") search.set("noise", controls.noise.value);
  return parseState(search.toString());
}

/** Drawing-only toggles redraw; anything else rebuilds the run (same seed → same start). */
function onControlChange(event: Event): void {
  const next = readControls();
  const drawingOnly = event.target === controls.discretize || event.target === controls.showTest;
  if (next.data !== state.data) next.noise = undefined; // each dataset has its own default noise
  state = next;
  writeUrl();
  showState();
  if (drawingOnly) dirty = true;
  else setup();
}

/** The status line: red for errors (a non-finite loss, a failed build), plain for stops and notices. */
function showStatus(text: string, severity: "info" | "error"): void {
  readouts.status.textContent = text;
  readouts.status.classList.toggle("error", severity === "error");
}

/** The URL always holds the current state, so a copied link reproduces the run. */
function writeUrl(): void {
  window.history.replaceState(null, "", stateToSearch(state));
}

function setup(): void {
  showStatus("", "info");
  const custom = state.model === CUSTOM;
  send({
    type: "setup",
    model: custom ? { name: CUSTOM, custom: state.custom } : { name: state.model },
    settings: {
      data: state.data,
      ...(state.noise !== undefined && Number.isFinite(state.noise) ? { noise: state.noise } : {}),
      split: state.split,
      optimizer: state.optimizer,
      lr: state.lr,
      batch: state.batch,
      seed: state.seed,
      regularization: { l1: state.l1, l2: state.l2 },
    },
    grid: GRID,
  });
}

async function showSource(): Promise<void> {
  const text = $("source-text");
  text.textContent = "loading…";
  try {
    text.textContent = await generatedSource(state.model, state.custom);
  } catch (error) {
    text.textContent = `could not load the source: ${(error as Error).message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Worker messages
// ---------------------------------------------------------------------------------------------

function onReady(message: Ready): void {
  ready = message;
  latest = undefined;
  const newton = controls.optimizer.querySelector<HTMLOptionElement>('option[value="newton"]')!;
  newton.disabled = !message.hasHessianVectorProduct;
  newton.textContent = message.hasHessianVectorProduct ? OPTIMIZER_LABELS.newton : "newton (needs H·v: this module has none)";
  state.optimizer = message.optimizer;
  if (message.notice) showStatus(message.notice, "info");
  history = { epochs: [], train: [], test: [] };
  fillSelect(controls.dataset, message.datasets.map((name) => [name, name]));
  if (!message.datasets.includes(state.data)) {
    state.data = message.datasets[0];
    state.noise = undefined;
  }
  controls.dataset.value = state.data;
  writeUrl();
  showState();
  buildNeurons(message);
  buildParams(message);
  $("source-summary").textContent =
    `Generated source of ${message.modelName} — ${message.paramNames.length} parameters; ops per sample: ` +
    `loss ${message.ops.loss}, loss+gradient ${message.ops.lossAndGradient}`;
  const source = $<HTMLDetailsElement>("source");
  if (source.open) void showSource();
  else $("source-text").textContent = "Open to load the generated module…";
}

function buildNeurons(message: Ready): void {
  neuronCanvases = Array.from({ length: message.neurons }, () => Object.assign(document.createElement("canvas"), { width: NEURON_GRID, height: NEURON_GRID }));
  $("neurons").replaceChildren(
    ...neuronCanvases.map((canvas, k) => {
      const figure = document.createElement("figure");
      figure.append(canvas, `h${k + 1}`);
      return figure;
    }),
  );
  $("neurons-note").textContent =
    message.neurons > 0 ? `(${message.neurons} units, each over the input square; orange −, blue +)` : "(this model has no probe module)";
}

/** Parameter readouts, at most 300 (the wide model has 4 417). */
function buildParams(message: Ready): void {
  const shown = message.paramNames.slice(0, 300);
  paramCells = shown.map(() => document.createElement("span"));
  const rows = shown.map((name, k) => {
    const row = document.createElement("div");
    row.append(`${name} `, paramCells[k]);
    return row;
  });
  if (message.paramNames.length > shown.length) rows.push(Object.assign(document.createElement("div"), { textContent: `… ${message.paramNames.length - shown.length} more` }));
  $("params").replaceChildren(...rows);
}

function onSnapshot(message: Snapshot): void {
  latest = message;
  dirty = true;
  const last = history.epochs[history.epochs.length - 1];
  if (last === undefined || message.epoch > last) {
    history.epochs.push(message.epoch);
    history.train.push(message.loss);
    history.test.push(message.testLoss);
    if (history.epochs.length > HISTORY_LIMIT) {
      const keep = (_: number, k: number) => k % 2 === 0 || k === history.epochs.length - 1;
      history = { epochs: history.epochs.filter(keep), train: history.train.filter(keep), test: history.test.filter(keep) };
    }
  } else if (message.epoch < last) {
    history = { epochs: [message.epoch], train: [message.loss], test: [message.testLoss] };
  }
  if (message.problem) showStatus(message.problem, "error");
  else if (message.stopped) showStatus(message.stopped, "info");
}

// ---------------------------------------------------------------------------------------------
// Drawing, once per animation frame with a new snapshot
// ---------------------------------------------------------------------------------------------

/** Writes text only when it changed: every write dirties the layout, even of the same text. */
function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

const plain = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : "");
const precise = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : "");

function draw(now: number): void {
  requestAnimationFrame(draw);
  if (!dirty || !ready || !latest) return;
  dirty = false;
  frameTimes.push(now);
  while (frameTimes.length > 0 && now - frameTimes[0] > 1000) frameTimes.shift();
  const s = latest;
  const range = targetRange(ready);
  const style = { task: ready.task, outputs: ready.outputs, discretize: state.discretize, range };
  drawSurface(boundary, s.surface, GRID, style);
  drawPoints(boundary, ready.points, ready.targets, ready.isTest, { ...style, domain: ready.domain, showTest: state.showTest, targetWidth: ready.targetWidth });
  drawLossChart(lossChart, history);
  if (ready.neurons > 0 && s.neuronSurface.length > 0) drawNeurons(neuronCanvases, s.neuronSurface, NEURON_GRID, ready.neurons);
  setText(readouts.epoch, String(s.epoch));
  // Rates only mean something while training: a stopped run shows "—" rather than a rate of 0.
  setText(readouts.eps, s.running ? String(Math.round(s.epochsPerSecond)) : "—");
  setText(readouts.loss, precise(s.loss));
  setText(readouts.testLoss, precise(s.testLoss));
  setText(readouts.accuracy, plain(s.accuracy, 4));
  setText(readouts.testAccuracy, plain(s.testAccuracy, 4));
  setText(readouts.r2, plain(s.r2, 4));
  setText(readouts.fps, s.running ? String(frameTimes.length) : "—");
  setText(startButton, s.running ? "Pause" : "Start");
  if (!s.running || now - paramsDrawnAt >= PARAMS_MS) {
    paramsDrawnAt = now;
    paramCells.forEach((cell, k) => setText(cell, s.params[k].toFixed(4)));
  }
}

function targetRange(r: Ready): [number, number] {
  if (r.task !== "regression") return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of r.targets) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}

initControls();
showState();
setup();
requestAnimationFrame(draw);
