/**
 * `npm run build` step: the installed package has no .ts sources to hash, so the generator's
 * fingerprint (stamp.ts) is computed here and written beside the compiled generator.
 */
import { writeFileSync } from "node:fs";
import { computeFingerprint, FINGERPRINT_FILE } from "./stamp.ts";

const target = new URL(`../dist/generator/${FINGERPRINT_FILE}`, import.meta.url);
writeFileSync(target, `${JSON.stringify({ fingerprint: computeFingerprint() })}\n`);
