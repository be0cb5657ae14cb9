/**
 * The playground's Vite config: `npm run playground` (dev server, custom MLPs generated on request) and
 * `npm run playground:build` (static site in dist/playground/, pre-generated modules only).
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import symgrad from "../../generator/vite.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Relative asset URLs, so the built site works from any folder of any static server.
  base: "./",
  plugins: [symgrad()],
  worker: { format: "es", plugins: () => [symgrad()] },
  server: { fs: { allow: [repo] } },
  // Pre-bundled up front, so the dev server never reloads the page to add it mid-session.
  optimizeDeps: { include: ["seedrandom"] },
  build: {
    outDir: `${repo}dist/playground`,
    emptyOutDir: true,
    target: "es2022",
    // Generated modules are lazily loaded chunks of their own; an unrolled one can be large.
    chunkSizeWarningLimit: 2500,
  },
});
