import {
  Contract,
  type ContractEventPayload,
  ContractFactory,
  type EventLog,
  isError,
  JsonRpcProvider,
  type TransactionResponse,
  Wallet,
  WebSocketProvider,
} from "ethers";
import { errorMessage } from "../../node/util/errors.ts";
import {
  bumped,
  CLEAR_BLOB_REFUSAL,
  CLEAR_SET_CODE_REFUSAL,
  check,
  FlowFailure,
  type FlowTarget,
  loadProbe,
  rejection,
  SOME_BLOB_VERSIONED_HASH,
  sleep,
  until,
  WAIT_MS,
  withoutUnhandledRejections,
} from "./support.ts";

/** ethers' default polling interval (4 s) twice over: long enough for any duplicate delivery to show up. */
const SETTLE_MS = 9_000;

interface EthersSession {
  provider: JsonRpcProvider;
  wallet: Wallet;
}

/**
 * A JsonRpcProvider and a Wallet on it, as a dapp creates them; destroyed when the flow ends. ethers caches each
 * answer for 250 ms by default: a block commits faster than that here, and the cached "pending" nonce of the
 * previous send would make the next one reuse it (NONCE_EXPIRED), so the cache is off, as on any fast chain.
 */
async function withEthers(t: FlowTarget, run: (s: EthersSession) => Promise<string>): Promise<string> {
  const provider = new CountingProvider(t.rpcUrl, undefined, { cacheTimeout: -1 });
  try {
    return await run({ provider, wallet: new Wallet(t.key, provider) });
  } finally {
    // ethers sends eth_uninstallFilter without awaiting it when listeners go: destroying the provider before it is
    // answered would cancel it into an unhandled rejection, as a dapp that lives on never sees.
    await sleep(0);
    await until("the provider's last requests answered", () => provider.inFlight === 0, 10_000, 20).catch(
      () => {},
    );
    provider.destroy();
  }
}

/** A JsonRpcProvider that knows how many of its requests are unanswered. */
class CountingProvider extends JsonRpcProvider {
  inFlight = 0;

  override async send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    this.inFlight++;
    try {
      return await super.send(method, params);
    } finally {
      this.inFlight--;
    }
  }
}

async function mined(tx: TransactionResponse) {
  const receipt = await tx.wait(1, WAIT_MS);
  check(receipt !== null, `no receipt for ${tx.hash}`);
  check(receipt.status === 1, `transaction ${tx.hash} failed (status ${receipt.status})`);
  return receipt;
}

async function deployProbe(wallet: Wallet): Promise<Contract> {
  const artifact = await loadProbe();
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, wallet);
  const deployed = await factory.deploy();
  await deployed.waitForDeployment();
  return new Contract(await deployed.getAddress(), artifact.abi as never, wallet);
}

async function inc(probe: Contract) {
  return mined((await probe.getFunction("inc")()) as TransactionResponse);
}

/** The node's own words inside an ethers error (ethers adds the request around them). */
function nodeMessage(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const inner =
      (err as { error?: { message?: unknown } }).error?.message ??
      (err as { info?: { error?: { message?: unknown } } }).info?.error?.message;
    if (typeof inner === "string") return inner;
  }
  return errorMessage(err);
}

/** Each expected value once, none twice, nothing else. */
function checkExactlyOnce(what: string, seen: bigint[], expected: bigint[]): void {
  const got = seen.map(String).join(",");
  check(
    got === expected.map(String).join(","),
    `${what}: delivered [${got}], expected [${expected.join(",")}]`,
  );
}

export async function ethersChainId(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider }) => {
    const network = await provider.getNetwork();
    const raw = BigInt((await provider.send("eth_chainId", [])) as string);
    check(network.chainId === raw, `getNetwork says ${network.chainId}, eth_chainId ${raw}`);
    const netVersion = BigInt((await provider.send("net_version", [])) as string);
    check(netVersion === raw, `net_version ${netVersion} differs from eth_chainId ${raw}`);
    return `chain id ${network.chainId}`;
  });
}

export async function ethersBalances(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider, wallet }) => {
    const balance = await provider.getBalance(wallet.address);
    check(balance > 0n, `the funded account ${wallet.address} has no balance`);
    const pending = await provider.getBalance(wallet.address, "pending");
    check(pending === balance, `pending balance ${pending} differs from latest ${balance}`);
    const stranger = Wallet.createRandom().address;
    const none = await provider.getBalance(stranger);
    check(none === 0n, `a fresh address holds ${none}`);
    return `balance ${balance}`;
  });
}

export async function ethersBlocks(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider }) => {
    const latest = await provider.getBlock("latest");
    check(latest !== null && latest.hash !== null, "no latest block");
    const number = await provider.getBlockNumber();
    check(number >= latest.number, `getBlockNumber ${number} is behind the latest block ${latest.number}`);
    const byNumber = await provider.getBlock(latest.number, true);
    check(byNumber?.hash === latest.hash, `block ${latest.number} by number has hash ${byNumber?.hash}`);
    const byHash = await provider.getBlock(latest.hash);
    check(byHash?.number === latest.number, `block ${latest.hash} by hash is number ${byHash?.number}`);
    const parent = await provider.getBlock(latest.number - 1);
    check(parent?.hash === latest.parentHash, `block ${latest.number - 1} is not the parent of the latest`);
    for (const tag of ["finalized", "safe"] as const) {
      const tagged = await provider.getBlock(tag);
      check(tagged !== null, `no "${tag}" block`);
      const same = await provider.getBlock(tagged.number);
      check(same?.hash === tagged.hash, `"${tag}" is not block ${tagged.number} of the chain`);
    }
    return `latest ${latest.number}, by number, hash, parent, finalized and safe`;
  });
}

export async function ethersGenesisBlock(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider }) => {
    const zero = await provider.getBlock(0);
    check(zero !== null, "block 0 is null");
    check(zero.number === 0 && zero.hash !== null, `block 0 has number ${zero.number}`);
    const earliest = await provider.getBlock("earliest");
    check(earliest?.hash === zero.hash, `"earliest" is block ${earliest?.number}, not block 0`);
    const byHash = await provider.getBlock(zero.hash);
    check(byHash?.number === 0, `block 0 by hash is ${byHash?.number}`);
    const one = await provider.getBlock(1);
    check(one?.parentHash === zero.hash, `block 1's parent ${one?.parentHash} is not block 0 ${zero.hash}`);
    return `block 0 ${zero.hash}`;
  });
}

export async function ethersSendAndWait(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider, wallet }) => {
    const to = Wallet.createRandom().address;
    const tx = await wallet.sendTransaction({ to, value: 12_345n });
    const receipt = await mined(tx);
    check(receipt.hash === tx.hash, `receipt ${receipt.hash} for ${tx.hash}`);
    check((await provider.getBalance(to)) === 12_345n, "the recipient did not receive the value");
    const fetched = await provider.getTransaction(tx.hash);
    check(fetched?.blockNumber === receipt.blockNumber, "getTransaction does not place it in its block");
    return `mined in block ${receipt.blockNumber}`;
  });
}

export async function ethersEstimateAndCall(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ wallet }) => {
    const transferGas = await wallet.estimateGas({ to: Wallet.createRandom().address, value: 1n });
    check(transferGas === 21_000n, `a plain transfer is estimated at ${transferGas}`);
    const probe = await deployProbe(wallet);
    const incGas = await probe.getFunction("inc").estimateGas();
    check(incGas > 21_000n && incGas < 200_000n, `inc() is estimated at ${incGas}`);
    const count = (await probe.getFunction("count")()) as bigint;
    check(count === 0n, `count() of a fresh probe is ${count}`);
    const err = await rejection(probe.getFunction("fail").staticCall("no way"));
    check(err !== null, "a reverting call did not throw");
    check(isError(err, "CALL_EXCEPTION"), `a revert surfaced as ${errorMessage(err)}`);
    check(err.reason === "no way", `the revert reason is ${JSON.stringify(err.reason)}`);
    return `transfer ${transferGas} gas, inc() ${incGas} gas, revert reason decoded`;
  });
}

export async function ethersDeployAndRead(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider }) => {
    const wallet = new Wallet(t.key, provider);
    const probe = await deployProbe(wallet);
    const address = await probe.getAddress();
    check((await provider.getCode(address)).length > 2, "no code at the deployed address");
    const receipt = await inc(probe);
    const count = (await probe.getFunction("count")()) as bigint;
    check(count === 1n, `count() after inc() is ${count}`);
    const parsed = receipt.logs.map((l) => probe.interface.parseLog(l));
    check(
      parsed.length === 1 && parsed[0]?.name === "Incremented" && parsed[0].args[0] === 1n,
      `inc() logged ${parsed.map((p) => p?.name).join(",")}`,
    );
    const slot0 = BigInt(await provider.getStorage(address, 0));
    check(slot0 === 1n, `storage slot 0 holds ${slot0}`);
    return `deployed at ${address}; count, event and storage read`;
  });
}

export async function ethersLogsHttp(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider, wallet }) => {
    const probe = await deployProbe(wallet);
    const first = await inc(probe);
    const second = await inc(probe);
    const events = (await probe.queryFilter(
      "Incremented",
      first.blockNumber,
      second.blockNumber,
    )) as EventLog[];
    checkExactlyOnce(
      "queryFilter",
      events.map((e) => e.args[0] as bigint),
      [1n, 2n],
    );
    const logs = await provider.getLogs({
      address: await probe.getAddress(),
      fromBlock: first.blockNumber,
      toBlock: second.blockNumber,
    });
    check(logs.length === 2, `getLogs found ${logs.length} logs`);
    check(logs[0]?.transactionHash === first.hash, "getLogs does not name the first transaction");
    const byHash = await provider.getLogs({ address: await probe.getAddress(), blockHash: second.blockHash });
    check(byHash.length === 1, `getLogs by block hash found ${byHash.length} logs`);
    return `blocks ${first.blockNumber}..${second.blockNumber}`;
  });
}

/** contract.on over HTTP, with ethers' default polling: each event reaches the listener exactly once. */
export async function ethersContractOnHttp(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ wallet }) => {
    const probe = await deployProbe(wallet);
    const seen: bigint[] = [];
    await probe.on("Incremented", (count: bigint) => {
      seen.push(count);
    });
    // ethers installs its filter asynchronously; events before it exists are not its to deliver.
    await sleep(1_000);
    try {
      const blocks: number[] = [];
      for (let i = 0; i < 3; i++) blocks.push((await inc(probe)).blockNumber);
      await until("three Incremented events", () => seen.length >= 3, WAIT_MS);
      await sleep(SETTLE_MS);
      checkExactlyOnce("contract.on", seen, [1n, 2n, 3n]);
      return `3 events in blocks ${blocks.join(",")}, each delivered once`;
    } finally {
      await probe.removeAllListeners();
    }
  });
}

/** provider.on("pending") over HTTP: ethers polls a pending-transaction filter. */
export async function ethersPendingHttp(t: FlowTarget): Promise<string> {
  return withoutUnhandledRejections(/PendingTransactionFilter|eth_getFilterChanges/, () =>
    withEthers(t, async ({ provider, wallet }) => {
      const seen = new Set<string>();
      await provider.on("pending", (hash: string) => {
        seen.add(hash);
      });
      // ethers installs its filter asynchronously; a transaction before it exists is not its to deliver.
      await sleep(1_000);
      try {
        const tx = await wallet.sendTransaction({ to: Wallet.createRandom().address, value: 1n });
        await until(`pending ${tx.hash}`, () => seen.has(tx.hash), WAIT_MS);
        return `saw ${tx.hash}`;
      } finally {
        await provider.removeAllListeners();
      }
    }),
  );
}

/** A WebSocketProvider for the flow, destroyed when it ends. */
async function withWebSocket(
  t: FlowTarget,
  run: (ws: WebSocketProvider) => Promise<string>,
): Promise<string> {
  const ws = new WebSocketProvider(t.wsUrl);
  try {
    return await run(ws);
  } finally {
    await ws.destroy();
  }
}

export async function ethersLogsWebSocket(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ wallet }) => {
    const probe = await deployProbe(wallet);
    return withWebSocket(t, async (ws) => {
      const onWs = new Contract(await probe.getAddress(), probe.interface, ws);
      const seen: bigint[] = [];
      await onWs.on("Incremented", (count: bigint, payload: ContractEventPayload) => {
        if (payload.log.address.toLowerCase() === onWs.target.toString().toLowerCase()) seen.push(count);
      });
      // The subscription is requested asynchronously; events before it exists are not its to deliver.
      await sleep(1_000);
      await inc(probe);
      await inc(probe);
      await until("two Incremented events over WebSocket", () => seen.length >= 2, WAIT_MS);
      await sleep(2_000);
      checkExactlyOnce("contract.on over WebSocket", seen, [1n, 2n]);
      await onWs.removeAllListeners();
      return "2 events pushed, each once";
    });
  });
}

export async function ethersNewHeadsWebSocket(t: FlowTarget): Promise<string> {
  return withWebSocket(t, async (ws) => {
    const seen: number[] = [];
    await ws.on("block", (n: number) => {
      seen.push(n);
    });
    await until("two pushed blocks", () => seen.length >= 2, WAIT_MS);
    await ws.removeAllListeners();
    check((seen[1] as number) > (seen[0] as number), `blocks pushed out of order: ${seen.join(",")}`);
    const block = await ws.getBlock(seen[0] as number);
    check(block?.number === seen[0], `getBlock over WebSocket answered ${block?.number}`);
    return `blocks ${seen.slice(0, 2).join(",")}`;
  });
}

/** WebSocketProvider.on("pending"): eth_subscribe newPendingTransactions, with no unhandled rejection. */
export async function ethersPendingWebSocket(t: FlowTarget): Promise<string> {
  return withoutUnhandledRejections(/newPendingTransactions/, () =>
    withEthers(t, async ({ wallet }) =>
      withWebSocket(t, async (ws) => {
        const seen = new Set<string>();
        await ws.on("pending", (hash: string) => {
          seen.add(hash);
        });
        // The subscription request is sent asynchronously; let a refusal surface before sending.
        await sleep(500);
        const tx = await wallet.sendTransaction({ to: Wallet.createRandom().address, value: 1n });
        await until(`pending ${tx.hash} pushed`, () => seen.has(tx.hash), WAIT_MS);
        await ws.removeAllListeners();
        await mined(tx);
        return `pushed ${tx.hash}`;
      }),
    ),
  );
}

/**
 * A wallet's speed-up or cancel: the same nonce again with the tip and fee cap raised by 10%. The original waits
 * behind a nonce gap, so it is still pending when the replacement arrives however fast blocks are; the gap is
 * filled afterwards (also when the replacement is refused, so the account is never left stuck).
 */
async function replaceFlow(t: FlowTarget, cancel: boolean): Promise<string> {
  return withEthers(t, async ({ provider, wallet }) => {
    const to = Wallet.createRandom().address;
    const nonce = await wallet.getNonce("pending");
    const original = await wallet.sendTransaction({ to, value: 1_000n, nonce: nonce + 1 });
    check(
      original.maxFeePerGas !== null && original.maxPriorityFeePerGas !== null,
      "ethers did not send an EIP-1559 transaction",
    );
    let replacement: TransactionResponse | undefined;
    let refusal: unknown;
    try {
      replacement = await wallet.sendTransaction({
        ...(cancel ? { to: wallet.address, value: 0n } : { to, value: 1_000n }),
        nonce: nonce + 1,
        gasLimit: original.gasLimit,
        maxFeePerGas: bumped(original.maxFeePerGas),
        maxPriorityFeePerGas: bumped(original.maxPriorityFeePerGas),
      });
    } catch (err) {
      refusal = err;
    }
    await mined(await wallet.sendTransaction({ to: wallet.address, value: 0n, nonce }));
    check(
      replacement !== undefined,
      `the replacement (tip ${original.maxPriorityFeePerGas} -> ${bumped(original.maxPriorityFeePerGas)}, fee cap ${original.maxFeePerGas} -> ${bumped(original.maxFeePerGas)}) was refused: ${nodeMessage(refusal)}`,
    );
    const receipt = await mined(replacement);
    const replaced = await rejection(original.wait(1, WAIT_MS));
    check(replaced !== null, "the original transaction was mined, not the replacement");
    check(isError(replaced, "TRANSACTION_REPLACED"), `waiting for the original: ${errorMessage(replaced)}`);
    const expected = cancel ? "cancelled" : "repriced";
    check(
      replaced.reason === expected,
      `ethers reports the replacement as ${replaced.reason}, not ${expected}`,
    );
    check(replaced.hash === replacement.hash, `ethers names ${replaced.hash} as the replacement`);
    const balance = await provider.getBalance(to);
    check(balance === (cancel ? 0n : 1_000n), `the recipient holds ${balance}`);
    return `${cancel ? "cancelled" : "sped up"} in block ${receipt.blockNumber}`;
  });
}

export function ethersSpeedUp(t: FlowTarget): Promise<string> {
  return replaceFlow(t, false);
}

export function ethersCancel(t: FlowTarget): Promise<string> {
  return replaceFlow(t, true);
}

export async function ethersLegacyTx(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider, wallet }) => {
    const tx = await wallet.sendTransaction({ type: 0, to: Wallet.createRandom().address, value: 1n });
    await mined(tx);
    const fetched = await provider.getTransaction(tx.hash);
    const { chainId } = await provider.getNetwork();
    check(fetched?.type === 0, `the transaction is served as type ${fetched?.type}`);
    check(fetched.chainId === chainId, `served chain id ${fetched.chainId}`);
    const v = fetched.signature.networkV;
    check(v === chainId * 2n + 35n || v === chainId * 2n + 36n, `v ${v} is not EIP-155 for chain ${chainId}`);
    return `EIP-155 v ${v}`;
  });
}

export async function ethersLegacyPreEip155Tx(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider, wallet }) => {
    const { gasPrice } = await provider.getFeeData();
    check(gasPrice !== null, "no gas price");
    const raw = await wallet.signTransaction({
      type: 0,
      chainId: 0n,
      nonce: await wallet.getNonce("pending"),
      gasPrice,
      gasLimit: 21_000n,
      to: Wallet.createRandom().address,
      value: 1n,
    });
    const tx = await provider.broadcastTransaction(raw);
    await mined(tx);
    const fetched = await provider.getTransaction(tx.hash);
    const v = fetched?.signature.v;
    check(v === 27 || v === 28, `served v ${v}`);
    return "no chain id in the signature, accepted and mined";
  });
}

export async function ethersAccessListTx(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider, wallet }) => {
    const to = Wallet.createRandom().address;
    const accessList = [{ address: to, storageKeys: [`0x${"00".repeat(32)}`] }];
    const tx = await wallet.sendTransaction({ type: 1, to, value: 1n, accessList });
    const receipt = await mined(tx);
    const fetched = await provider.getTransaction(tx.hash);
    check(fetched?.type === 1, `the transaction is served as type ${fetched?.type}`);
    check(fetched.accessList?.length === 1, "the access list is not served");
    // 21000 + 2400 per address + 1900 per storage key (EIP-2930).
    check(receipt.gasUsed === 25_300n, `gas used ${receipt.gasUsed}, expected 25300`);
    return `type 1 mined, gas ${receipt.gasUsed}`;
  });
}

export async function ethersEip1559Tx(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider, wallet }) => {
    const tx = await wallet.sendTransaction({ type: 2, to: Wallet.createRandom().address, value: 1n });
    const receipt = await mined(tx);
    const fetched = await provider.getTransaction(tx.hash);
    check(fetched?.type === 2, `the transaction is served as type ${fetched?.type}`);
    const cap = fetched.maxFeePerGas ?? 0n;
    check(
      receipt.gasPrice > 0n && receipt.gasPrice <= cap,
      `effective price ${receipt.gasPrice}, cap ${cap}`,
    );
    return `type 2 mined at ${receipt.gasPrice} wei/gas`;
  });
}

export async function ethersBlobTxRefused(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider, wallet }) => {
    const nonce = await wallet.getNonce("latest");
    const sent = wallet.sendTransaction({
      type: 3,
      to: Wallet.createRandom().address,
      value: 1n,
      gasLimit: 21_000n,
      maxFeePerBlobGas: 1_000_000_000n,
      blobVersionedHashes: [SOME_BLOB_VERSIONED_HASH],
    });
    const err = await rejection(sent);
    if (err === null) throw new FlowFailure(`a blob transaction was accepted: ${(await sent).hash}`);
    const message = nodeMessage(err);
    check(CLEAR_BLOB_REFUSAL.test(message), `refused without saying why: ${message}`);
    check((await wallet.getNonce("latest")) === nonce, "the refused transaction still took a nonce");
    check((await provider.getTransactionCount(wallet.address, "pending")) === nonce, "it waits in the pool");
    return `refused: ${message.slice(0, 160)}`;
  });
}

/** EIP-7702: a self-sponsored delegation, executed where the EVM's hardfork has it, otherwise refused clearly. */
export async function ethersSetCodeTx(t: FlowTarget): Promise<string> {
  return withEthers(t, async ({ provider, wallet }) => {
    const delegate = Wallet.createRandom().address;
    const nonce = await wallet.getNonce("pending");
    // The sender's own authorization is checked after its nonce is bumped by the transaction.
    const authorization = await wallet.authorize({ address: delegate, nonce: nonce + 1 });
    const sent = wallet.sendTransaction({
      type: 4,
      to: wallet.address,
      authorizationList: [authorization],
      nonce,
    });
    const err = await rejection(sent);
    if (err !== null) {
      const message = nodeMessage(err);
      check(CLEAR_SET_CODE_REFUSAL.test(message), `refused without saying why: ${message}`);
      return `refused: ${message.slice(0, 160)}`;
    }
    const receipt = await mined(await sent);
    const code = await provider.getCode(wallet.address);
    const expected = `0xef0100${delegate.slice(2).toLowerCase()}`;
    check(code.toLowerCase() === expected, `the account's code is ${code}, expected ${expected}`);
    return `type 4 executed in block ${receipt.blockNumber}: delegated`;
  });
}
