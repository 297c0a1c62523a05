import { parseArgs } from "node:util";
import { errorMessage } from "../../node/util/errors.ts";
import { discoverTxContext } from "./context.ts";
import { buildCorpus } from "./corpus.ts";
import { formatTable, runCorpus, summarize } from "./driver.ts";

/**
 * Throws the hostile-request corpus at running nodes (a devnet, a test cluster) and prints what each family got:
 *   npm run hostile -- --rpc http://127.0.0.1:8545 [--rpc ...] [--key 0x...] [--slowloris 50] [--concurrency 8]
 * Exits 1 when any case got an answer other than the expected one.
 */

const USAGE = `usage: npm run hostile -- --rpc <url> [--rpc <url>...] [options]
  --rpc <url>              a node's HTTP RPC URL (repeat to spread the corpus over several nodes)
  --key <hex>              a funded account's private key, for the nonce-too-low and underpriced cases
  --slowloris <n>          slow-loris connections to open on the first node (default 50, 0 to skip)
  --slowloris-close-ms <n> how long the node may take to close them (default 45000)
  --concurrency <n>        cases in flight at once (default 8)
  --timeout-ms <n>         the longest one answer may take (default 45000)
  --verbose                print every unexpected outcome as it happens`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rpc: { type: "string", multiple: true },
      key: { type: "string" },
      slowloris: { type: "string", default: "50" },
      "slowloris-close-ms": { type: "string", default: "45000" },
      concurrency: { type: "string", default: "8" },
      "timeout-ms": { type: "string", default: "30000" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  const urls = values.rpc ?? [];
  if (values.help || urls.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const number = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`--${name} must be a non-negative integer, got ${text}`);
    return n;
  };
  const ctx = await discoverTxContext(urls[0] as string, { fundedKey: values.key ?? null });
  const cases = buildCorpus({
    ...ctx,
    slowLorisSockets: number("slowloris", values.slowloris),
    slowLorisCloseWithinMs: number("slowloris-close-ms", values["slowloris-close-ms"]),
  });
  process.stderr.write(
    `sending ${cases.length} cases to ${urls.join(", ")} (${ctx.replay.length} committed transactions to replay${ctx.funded ? ", a funded key" : ""})\n`,
  );
  const outcomes = await runCorpus(cases, {
    urls,
    concurrency: Math.max(1, number("concurrency", values.concurrency)),
    answerTimeoutMs: number("timeout-ms", values["timeout-ms"]),
    onOutcome: (o) => {
      if (values.verbose && o.unexpected !== null)
        process.stderr.write(`UNEXPECTED [${o.family}] ${o.name}: ${o.unexpected}\n`);
    },
  });
  const summary = summarize(outcomes);
  const unexpected = outcomes.filter((o) => o.unexpected !== null);
  process.stdout.write(`${formatTable(summary)}\n`);
  const slowest = outcomes
    .filter((o) => o.family !== "slow-loris")
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5);
  process.stdout.write(`slowest: ${slowest.map((o) => `${o.name} ${o.ms} ms`).join("; ")}\n`);
  for (const o of unexpected)
    process.stdout.write(`UNEXPECTED [${o.family}] ${o.name} (${o.url}): ${o.unexpected}\n`);
  process.stdout.write(`${JSON.stringify({ summary, unexpected })}\n`);
  return unexpected.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`hostile: ${errorMessage(err)}\n`);
    process.exit(2);
  },
);
