// Child process of test/integration/lifeline.test.ts: starts what a devnet starts (an L1, validators, a relayer)
// the way the devnet and the tests do, prints one line when they are all up, and waits to be killed. Its own
// cleanup never runs: the test SIGKILLs it, so every process it started has only its lifeline to go by.
import { BridgeNet } from "./bridgeNet.ts";

const net = await BridgeNet.create({ validators: 2, epochLength: 20 });
await net.cluster.startAll();
await net.startRelayer();
process.stdout.write(`${JSON.stringify({ ready: true, rpc: net.rpcUrl, l1: net.l1.url })}\n`);
setInterval(() => {}, 60_000);
