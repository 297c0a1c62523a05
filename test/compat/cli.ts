import "../../node/util/polyfill.ts";
import { parseArgs } from "node:util";
import { errorMessage } from "../../node/util/errors.ts";
import { COMPAT_FLOWS, formatTable, runFlows } from "./flows.ts";

const USAGE = `usage: npm run compat -- --rpc URL [--ws URL] --key HEX [--only TEXT] [--concurrency N]

Runs the viem and ethers wallet and dapp flows against a node (e.g. one of \`npm run devnet\`, with a funded dev
key it prints), then prints a table and the results as JSON. Exits 1 if any flow fails.
  --rpc          the node's HTTP JSON-RPC URL
  --ws           its WebSocket URL (default: the RPC URL with ws:// for http://)
  --key          a funded account's private key; each flow gets its own account funded from it
  --only         run only the flows whose "library: name" contains TEXT
  --concurrency  flows at once (default 4)`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rpc: { type: "string" },
      ws: { type: "string" },
      key: { type: "string" },
      only: { type: "string" },
      concurrency: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.rpc) fail("--rpc is required");
  if (!values.key || !/^(0x)?[0-9a-fA-F]{64}$/.test(values.key))
    fail("--key must be a 32-byte hex private key");
  const key = (values.key.startsWith("0x") ? values.key : `0x${values.key}`) as `0x${string}`;
  const wsUrl = values.ws ?? values.rpc.replace(/^http/, "ws");
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) fail("--concurrency must be a positive integer");
  const only = values.only?.toLowerCase();
  const flows = only
    ? COMPAT_FLOWS.filter((f) => `${f.library}: ${f.name}`.toLowerCase().includes(only))
    : COMPAT_FLOWS;
  if (flows.length === 0) fail(`no flow matches ${JSON.stringify(values.only)}`);

  // A library's unhandled rejection fails the flow that caused it (it would crash a dapp); here it must not end
  // the run before the table is printed.
  process.on("unhandledRejection", (reason) => {
    process.stderr.write(`unhandled rejection: ${errorMessage(reason)}\n`);
  });
  // Libraries log their own troubles with console.log (ethers: "@TODO ..."); stdout is kept for the results.
  console.log = console.error;
  process.stderr.write(`running ${flows.length} flows against ${values.rpc} and ${wsUrl}\n`);
  const results = await runFlows(
    { rpcUrl: values.rpc, wsUrl, key },
    {
      flows,
      concurrency,
      onResult: (r) =>
        process.stderr.write(`${r.ok ? "pass" : "FAIL"}  ${r.library}: ${r.flow} (${r.ms} ms)\n`),
    },
  );
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`\n${formatTable(results)}\n\n${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${results.length - failed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`compat: ${errorMessage(err)}\n`);
  process.exit(1);
});
