import { parseArgs } from "node:util";
import { formatResult } from "./report.ts";
import { runScenario } from "./run.ts";
import { forkDemoScenario, standardScenario, withByzantineBelowOneThird } from "./scenario.ts";
import type { SchemeName } from "./signing.ts";

/**
 * Replays one scenario: `npm run sim -- --seed 123 [--verbose] [--fork-demo] [--below-third] [--real-sigs]
 * [--manifest-only]`. Exits 1 when the checker reports a violation, so a replay of a failing seed fails too.
 */
const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    verbose: { type: "boolean", default: false },
    "fork-demo": { type: "boolean", default: false },
    "below-third": { type: "boolean", default: false },
    "real-sigs": { type: "boolean", default: false },
    "manifest-only": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

const USAGE =
  "usage: npm run sim -- --seed <n> [--verbose] [--fork-demo [--below-third]] [--real-sigs] [--manifest-only]\n";
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (values.seed === undefined || !/^\d+$/.test(values.seed)) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const seed = Number(values.seed);
let manifest = values["fork-demo"] ? forkDemoScenario(seed) : standardScenario(seed);
if (values["below-third"]) manifest = withByzantineBelowOneThird(manifest);
const signatures: SchemeName = values["real-sigs"] ? "secp256k1" : manifest.signatures;

process.stdout.write(`manifest ${JSON.stringify(manifest, null, 2)}\n`);
if (!values["manifest-only"]) {
  const log = values.verbose ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
  const result = await runScenario(manifest, { signatures, ...(log && { log }) });
  process.stdout.write(`${formatResult(result)}\n`);
  process.exitCode = result.ok ? 0 : 1;
}
