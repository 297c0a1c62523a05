import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

const CONSENSUS_DIR = join(import.meta.dirname, "../../node/consensus");

// The consensus core must stay a pure state machine: the simulator's determinism and the engine's
// testability rest on it never reaching for I/O, timers, randomness or the clock by itself.
const FORBIDDEN: [RegExp, string][] = [
  [/from\s+["']node:/, "a node:* import"],
  [/from\s+["'](fs|path|os|net|crypto|timers|child_process|worker_threads)["']/, "a Node built-in import"],
  [
    /from\s+["'](libp2p|@libp2p\/|@chainsafe\/|classic-level|level|pino|prom-client)/,
    "an I/O library import",
  ],
  [
    /from\s+["']\.\.\/(storage|p2p|rpc|app|mempool|sync|checkpoint)\//,
    "an import of an I/O part of the node",
  ],
  [/\bDate\b/, "Date"],
  [/\bperformance\s*\.\s*now\b/, "performance.now"],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask|process\.nextTick)\b/, "a timer"],
  [/\bMath\s*\.\s*random\b/, "Math.random"],
  [/\b(randomBytes|getRandomValues|randomSecretKey|generatePrivateKey)\b/, "randomness"],
  [/\brequire\s*\(/, "require()"],
  [/\bimport\s*\(/, "a dynamic import"],
];

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

export function findImpurities(source: string): string[] {
  const code = stripComments(source);
  return FORBIDDEN.filter(([re]) => re.test(code)).map(([, what]) => what);
}

describe("the consensus core is pure", () => {
  const files = readdirSync(CONSENSUS_DIR).filter((f) => f.endsWith(".ts"));

  it("has source files to check", () => {
    assert.ok(files.includes("engine.ts"), "engine.ts must exist in node/consensus");
  });

  for (const file of files) {
    it(`${file} uses no I/O, timers, randomness or clock`, () => {
      assert.deepEqual(findImpurities(readFileSync(join(CONSENSUS_DIR, file), "utf8")), []);
    });
  }

  it("the check itself catches each kind of impurity", () => {
    const samples = [
      'import { readFile } from "node:fs";',
      'import net from "net";',
      'import { createLibp2p } from "libp2p";',
      'import { ClassicLevel } from "classic-level";',
      'import { Store } from "../storage/store.ts";',
      "const t = Date.now();",
      "setTimeout(() => {}, 1);",
      "const r = Math.random();",
      "const k = generatePrivateKey();",
      'const m = await import("x");',
    ];
    for (const sample of samples) assert.notDeepEqual(findImpurities(sample), [], sample);
    assert.deepEqual(findImpurities("// Date and setTimeout in a comment are fine\nconst x = 1;"), []);
  });
});
