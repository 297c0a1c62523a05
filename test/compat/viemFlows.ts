import {
  type Abi,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hash,
  http,
  type PublicClient,
  parseAbiItem,
  parseEventLogs,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  type WalletClient,
  type WatchEventOnLogsParameter,
  webSocket,
} from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
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

const INCREMENTED = parseAbiItem("event Incremented(uint256 count)");

interface ViemSession {
  chain: Chain;
  account: PrivateKeyAccount;
  publicClient: PublicClient;
  walletClient: WalletClient;
}

/**
 * The chain as a dapp defines one viem does not know: its id read from the node. Its block time makes viem poll
 * at its floor (500 ms) instead of the 4 s it assumes for an unknown chain.
 */
async function defineTarget(t: FlowTarget): Promise<Chain> {
  const id = await createPublicClient({ transport: http(t.rpcUrl) }).getChainId();
  return defineChain({
    id,
    name: "Outrigger",
    nativeCurrency: { name: "Outrigger", symbol: "OUT", decimals: 18 },
    rpcUrls: { default: { http: [t.rpcUrl], webSocket: [t.wsUrl] } },
    blockTime: 1_000,
  });
}

async function withViem(t: FlowTarget, run: (s: ViemSession) => Promise<string>): Promise<string> {
  const chain = await defineTarget(t);
  const account = privateKeyToAccount(t.key);
  return run({
    chain,
    account,
    publicClient: createPublicClient({ chain, transport: http(t.rpcUrl) }),
    walletClient: createWalletClient({ account, chain, transport: http(t.rpcUrl) }),
  });
}

/** A public client over WebSocket. viem shares one socket per URL among all its clients, as a dapp's are. */
function webSocketClient(t: FlowTarget, chain: Chain): PublicClient {
  return createPublicClient({ chain, transport: webSocket(t.wsUrl) }) as PublicClient;
}

async function withWebSocket(
  t: FlowTarget,
  chain: Chain,
  run: (client: PublicClient) => Promise<string>,
): Promise<string> {
  return run(webSocketClient(t, chain));
}

/** Closes viem's shared socket to the node, once no flow uses it any more (it keeps the process alive). */
export async function closeViemSockets(t: FlowTarget): Promise<void> {
  const transport = webSocket(t.wsUrl)({});
  const socket = await transport.value?.getRpcClient().catch(() => null);
  socket?.close();
}

async function mined(s: ViemSession, hash: Hash): Promise<TransactionReceipt> {
  const receipt = await s.publicClient.waitForTransactionReceipt({ hash, timeout: WAIT_MS });
  check(receipt.status === "success", `transaction ${hash} failed`);
  return receipt;
}

function send(s: ViemSession, request: { to: Address; value?: bigint; nonce?: number }): Promise<Hash> {
  return s.walletClient.sendTransaction({ account: s.account, chain: s.chain, ...request });
}

async function deployProbe(s: ViemSession): Promise<Address> {
  const artifact = await loadProbe();
  const hash = await s.walletClient.deployContract({
    account: s.account,
    chain: s.chain,
    abi: artifact.abi as Abi,
    bytecode: artifact.bytecode,
  });
  const receipt = await mined(s, hash);
  check(receipt.contractAddress != null, "the deployment receipt has no contract address");
  return receipt.contractAddress;
}

async function inc(s: ViemSession, address: Address): Promise<TransactionReceipt> {
  const { abi } = await loadProbe();
  const hash = await s.walletClient.writeContract({
    account: s.account,
    chain: s.chain,
    address,
    abi: abi as Abi,
    functionName: "inc",
  });
  return mined(s, hash);
}

async function count(s: ViemSession, address: Address): Promise<bigint> {
  const { abi } = await loadProbe();
  return (await s.publicClient.readContract({ address, abi: abi as Abi, functionName: "count" })) as bigint;
}

function someAddress(): Address {
  return privateKeyToAccount(generatePrivateKey()).address;
}

/** The node's own words when viem wraps an RPC error. */
function nodeMessage(err: unknown): string {
  return err instanceof BaseError ? err.details || err.shortMessage : errorMessage(err);
}

function checkExactlyOnce(what: string, seen: bigint[], expected: bigint[]): void {
  const got = seen.map(String).join(",");
  check(
    got === expected.map(String).join(","),
    `${what}: delivered [${got}], expected [${expected.join(",")}]`,
  );
}

export async function viemChainId(t: FlowTarget): Promise<string> {
  return withViem(t, async ({ chain, publicClient, walletClient }) => {
    const id = await publicClient.getChainId();
    check(id === chain.id, `getChainId ${id}`);
    const walletId = await walletClient.getChainId();
    check(walletId === id, `the wallet client sees chain ${walletId}`);
    return `chain id ${id}`;
  });
}

export async function viemBalances(t: FlowTarget): Promise<string> {
  return withViem(t, async ({ account, publicClient }) => {
    const balance = await publicClient.getBalance({ address: account.address });
    check(balance > 0n, `the funded account ${account.address} has no balance`);
    const pending = await publicClient.getBalance({ address: account.address, blockTag: "pending" });
    check(pending === balance, `pending balance ${pending} differs from latest ${balance}`);
    const none = await publicClient.getBalance({ address: someAddress() });
    check(none === 0n, `a fresh address holds ${none}`);
    return `balance ${balance}`;
  });
}

export async function viemBlocks(t: FlowTarget): Promise<string> {
  return withViem(t, async ({ publicClient }) => {
    const latest = await publicClient.getBlock();
    const number = await publicClient.getBlockNumber({ cacheTime: 0 });
    check(number >= latest.number, `getBlockNumber ${number} is behind the latest block ${latest.number}`);
    const byNumber = await publicClient.getBlock({ blockNumber: latest.number, includeTransactions: true });
    check(byNumber.hash === latest.hash, `block ${latest.number} by number has hash ${byNumber.hash}`);
    const byHash = await publicClient.getBlock({ blockHash: latest.hash });
    check(byHash.number === latest.number, `block ${latest.hash} by hash is number ${byHash.number}`);
    const parent = await publicClient.getBlock({ blockNumber: latest.number - 1n });
    check(parent.hash === latest.parentHash, `block ${latest.number - 1n} is not the parent of the latest`);
    for (const blockTag of ["finalized", "safe"] as const) {
      const tagged = await publicClient.getBlock({ blockTag });
      const same = await publicClient.getBlock({ blockNumber: tagged.number });
      check(same.hash === tagged.hash, `"${blockTag}" is not block ${tagged.number} of the chain`);
    }
    return `latest ${latest.number}, by number, hash, parent, finalized and safe`;
  });
}

export async function viemGenesisBlock(t: FlowTarget): Promise<string> {
  return withViem(t, async ({ publicClient }) => {
    const zero = await publicClient.getBlock({ blockNumber: 0n });
    check(zero.number === 0n, `block 0 has number ${zero.number}`);
    const earliest = await publicClient.getBlock({ blockTag: "earliest" });
    check(earliest.hash === zero.hash, `"earliest" is block ${earliest.number}, not block 0`);
    const byHash = await publicClient.getBlock({ blockHash: zero.hash });
    check(byHash.number === 0n, `block 0 by hash is ${byHash.number}`);
    const one = await publicClient.getBlock({ blockNumber: 1n });
    check(one.parentHash === zero.hash, `block 1's parent ${one.parentHash} is not block 0 ${zero.hash}`);
    return `block 0 ${zero.hash}`;
  });
}

export async function viemSendAndWait(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const to = someAddress();
    const hash = await send(s, { to, value: 12_345n });
    const receipt = await mined(s, hash);
    check(receipt.transactionHash === hash, `receipt ${receipt.transactionHash} for ${hash}`);
    check((await s.publicClient.getBalance({ address: to })) === 12_345n, "the recipient did not receive it");
    const fetched = await s.publicClient.getTransaction({ hash });
    check(fetched.blockNumber === receipt.blockNumber, "getTransaction does not place it in its block");
    return `mined in block ${receipt.blockNumber}`;
  });
}

export async function viemEstimateAndCall(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const transferGas = await s.publicClient.estimateGas({
      account: s.account,
      to: someAddress(),
      value: 1n,
    });
    check(transferGas === 21_000n, `a plain transfer is estimated at ${transferGas}`);
    const address = await deployProbe(s);
    const { abi } = await loadProbe();
    const incGas = await s.publicClient.estimateContractGas({
      account: s.account,
      address,
      abi: abi as Abi,
      functionName: "inc",
    });
    check(incGas > 21_000n && incGas < 200_000n, `inc() is estimated at ${incGas}`);
    check((await count(s, address)) === 0n, "count() of a fresh probe is not 0");
    const err = await rejection(
      s.publicClient.simulateContract({
        account: s.account,
        address,
        abi: abi as Abi,
        functionName: "fail",
        args: ["no way"],
      }),
    );
    check(err !== null, "a reverting call did not throw");
    const reverted =
      err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    check(reverted instanceof ContractFunctionRevertedError, `a revert surfaced as ${errorMessage(err)}`);
    check(reverted.reason === "no way", `the revert reason is ${JSON.stringify(reverted.reason)}`);
    return `transfer ${transferGas} gas, inc() ${incGas} gas, revert reason decoded`;
  });
}

export async function viemDeployAndRead(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const address = await deployProbe(s);
    const code = await s.publicClient.getCode({ address });
    check(code !== undefined && code.length > 2, "no code at the deployed address");
    const receipt = await inc(s, address);
    check((await count(s, address)) === 1n, "count() after inc() is not 1");
    const logs = parseEventLogs({ abi: [INCREMENTED], logs: receipt.logs });
    check(logs.length === 1 && logs[0]?.args.count === 1n, `inc() logged ${logs.length} Incremented events`);
    const slot0 = await s.publicClient.getStorageAt({ address, slot: "0x0" });
    check(slot0 !== undefined && BigInt(slot0) === 1n, `storage slot 0 holds ${slot0}`);
    return `deployed at ${address}; count, event and storage read`;
  });
}

export async function viemLogsHttp(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const address = await deployProbe(s);
    const first = await inc(s, address);
    const second = await inc(s, address);
    const logs = await s.publicClient.getLogs({
      address,
      event: INCREMENTED,
      fromBlock: first.blockNumber,
      toBlock: second.blockNumber,
    });
    checkExactlyOnce(
      "getLogs",
      logs.map((l) => l.args.count ?? -1n),
      [1n, 2n],
    );
    check(logs[0]?.transactionHash === first.transactionHash, "getLogs does not name the first transaction");
    const { abi } = await loadProbe();
    const events = await s.publicClient.getContractEvents({
      address,
      abi: abi as Abi,
      eventName: "Incremented",
      blockHash: second.blockHash,
    });
    check(events.length === 1, `getContractEvents by block hash found ${events.length}`);
    return `blocks ${first.blockNumber}..${second.blockNumber}`;
  });
}

/** createEventFilter + getFilterChanges over several blocks: each event exactly once. */
export async function viemEventFilter(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const address = await deployProbe(s);
    // From the current block, so getFilterLogs covers the events too (without it geth reads only the latest).
    const fromBlock = await s.publicClient.getBlockNumber({ cacheTime: 0 });
    const filter = await s.publicClient.createEventFilter({ address, event: INCREMENTED, fromBlock });
    const seen: bigint[] = [];
    const poll = async () => {
      for (const log of await s.publicClient.getFilterChanges({ filter })) seen.push(log.args.count ?? -1n);
    };
    for (let i = 0; i < 3; i++) {
      await inc(s, address);
      await poll();
    }
    await until(
      "three Incremented events",
      async () => {
        await poll();
        return seen.length >= 3;
      },
      WAIT_MS,
      500,
    );
    await sleep(1_000);
    await poll();
    checkExactlyOnce("getFilterChanges", seen, [1n, 2n, 3n]);
    const all = await s.publicClient.getFilterLogs({ filter });
    check(all.length === 3, `getFilterLogs found ${all.length} logs`);
    check(await s.publicClient.uninstallFilter({ filter }), "uninstallFilter answered false");
    return "3 events over several blocks, each once";
  });
}

/** createBlockFilter: every new block's hash once, in order, with no gap. */
export async function viemBlockFilter(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const filter = await s.publicClient.createBlockFilter();
    const hashes: Hash[] = [];
    await until(
      "three new blocks",
      async () => {
        hashes.push(...(await s.publicClient.getFilterChanges({ filter })));
        return hashes.length >= 3;
      },
      WAIT_MS,
      400,
    );
    check(new Set(hashes).size === hashes.length, `a block hash came twice: ${hashes.join(",")}`);
    const numbers = await Promise.all(
      hashes.map(async (blockHash) => (await s.publicClient.getBlock({ blockHash })).number),
    );
    for (let i = 1; i < numbers.length; i++)
      check(
        numbers[i] === (numbers[i - 1] as bigint) + 1n,
        `blocks ${numbers.join(",")} are not consecutive`,
      );
    check(await s.publicClient.uninstallFilter({ filter }), "uninstallFilter answered false");
    return `blocks ${numbers.join(",")}`;
  });
}

export async function viemPendingFilter(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const filter = await s.publicClient.createPendingTransactionFilter();
    const hash = await send(s, { to: someAddress(), value: 1n });
    const seen = new Set<Hash>();
    await until(
      `pending ${hash} in the filter`,
      async () => {
        for (const h of await s.publicClient.getFilterChanges({ filter })) seen.add(h);
        return seen.has(hash);
      },
      WAIT_MS,
      300,
    );
    await s.publicClient.uninstallFilter({ filter });
    await mined(s, hash);
    return `saw ${hash}`;
  });
}

/** watchEvent over the webSocket transport (eth_subscribe logs): each event exactly once. */
export async function viemLogsWebSocket(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const address = await deployProbe(s);
    return withWebSocket(t, s.chain, async (ws) => {
      const seen: bigint[] = [];
      const errors: string[] = [];
      const unwatch = ws.watchEvent({
        address,
        event: INCREMENTED,
        onLogs: (logs: WatchEventOnLogsParameter<typeof INCREMENTED>) => {
          for (const log of logs) seen.push(log.args.count ?? -1n);
        },
        onError: (err) => {
          errors.push(errorMessage(err));
        },
      });
      try {
        // The subscription is requested asynchronously; events before it exists are not its to deliver.
        await sleep(1_000);
        await inc(s, address);
        await inc(s, address);
        await until("two Incremented events over WebSocket", () => seen.length >= 2 || errors.length > 0);
        check(errors.length === 0, `watchEvent: ${errors.join(" | ")}`);
        await sleep(2_000);
        checkExactlyOnce("watchEvent over WebSocket", seen, [1n, 2n]);
        return "2 events pushed, each once";
      } finally {
        unwatch();
      }
    });
  });
}

/** watchBlocks over the webSocket transport (eth_subscribe newHeads). */
export async function viemBlocksWebSocket(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) =>
    withWebSocket(t, s.chain, async (ws) => {
      const seen: bigint[] = [];
      const errors: string[] = [];
      const unwatch = ws.watchBlocks({
        onBlock: (block) => {
          seen.push(block.number);
        },
        onError: (err) => {
          errors.push(errorMessage(err));
        },
      });
      try {
        await until("two pushed blocks", () => seen.length >= 2 || errors.length > 0);
        check(errors.length === 0, `watchBlocks: ${errors.join(" | ")}`);
        check((seen[1] as bigint) > (seen[0] as bigint), `blocks pushed out of order: ${seen.join(",")}`);
        return `blocks ${seen.slice(0, 2).join(",")}`;
      } finally {
        unwatch();
      }
    }),
  );
}

/** watchPendingTransactions over the webSocket transport (eth_subscribe newPendingTransactions). */
export async function viemPendingWebSocket(t: FlowTarget): Promise<string> {
  return withoutUnhandledRejections(/newPendingTransactions/, () =>
    withViem(t, async (s) =>
      withWebSocket(t, s.chain, async (ws) => {
        const seen = new Set<Hash>();
        const errors: string[] = [];
        const unwatch = ws.watchPendingTransactions({
          onTransactions: (hashes) => {
            for (const h of hashes) seen.add(h);
          },
          onError: (err) => {
            errors.push(nodeMessage(err));
          },
        });
        try {
          await sleep(500);
          check(errors.length === 0, `watchPendingTransactions: ${errors.join(" | ")}`);
          const hash = await send(s, { to: someAddress(), value: 1n });
          await until(`pending ${hash} pushed`, () => seen.has(hash) || errors.length > 0, WAIT_MS);
          check(errors.length === 0, `watchPendingTransactions: ${errors.join(" | ")}`);
          await mined(s, hash);
          return `pushed ${hash}`;
        } finally {
          unwatch();
        }
      }),
    ),
  );
}

/**
 * A wallet's speed-up or cancel with viem: the same nonce with the tip and fee cap raised by 10%, then the
 * replacement's receipt, as a wallet tracks it. The original waits behind a nonce gap, so it is still pending when
 * the replacement arrives however fast blocks are; the gap is filled afterwards (also when the replacement is
 * refused, so the account is never left stuck). viem's own replacement detection on the original's hash scans
 * only the newest block of each poll, so at two blocks a second it can miss the replacement: not used here.
 */
async function replaceFlow(t: FlowTarget, cancel: boolean): Promise<string> {
  return withViem(t, async (s) => {
    const to = someAddress();
    const nonce = await s.publicClient.getTransactionCount({
      address: s.account.address,
      blockTag: "pending",
    });
    const originalHash = await send(s, { to, value: 1_000n, nonce: nonce + 1 });
    const original = await s.publicClient.getTransaction({ hash: originalHash });
    check(original.type === "eip1559", `viem sent a ${original.type} transaction`);
    const tip = bumped(original.maxPriorityFeePerGas);
    const cap = bumped(original.maxFeePerGas);
    let replacementHash: Hash | undefined;
    let refusal: unknown;
    try {
      replacementHash = await s.walletClient.sendTransaction({
        account: s.account,
        chain: s.chain,
        ...(cancel ? { to: s.account.address, value: 0n } : { to, value: 1_000n }),
        nonce: nonce + 1,
        gas: original.gas,
        maxFeePerGas: cap,
        maxPriorityFeePerGas: tip,
      });
    } catch (err) {
      refusal = err;
    }
    await mined(s, await send(s, { to: s.account.address, value: 0n, nonce }));
    if (replacementHash === undefined)
      throw new FlowFailure(
        `the replacement (tip ${original.maxPriorityFeePerGas} -> ${tip}, fee cap ${original.maxFeePerGas} -> ${cap}) was refused: ${nodeMessage(refusal)}`,
      );
    const receipt = await mined(s, replacementHash);
    const mayBeOriginal = await rejection(s.publicClient.getTransactionReceipt({ hash: originalHash }));
    check(
      mayBeOriginal instanceof TransactionReceiptNotFoundError,
      "the original transaction has a receipt too",
    );
    const latestNonce = await s.publicClient.getTransactionCount({ address: s.account.address });
    check(latestNonce === nonce + 2, `the account nonce is ${latestNonce}, expected ${nonce + 2}`);
    const balance = await s.publicClient.getBalance({ address: to });
    check(balance === (cancel ? 0n : 1_000n), `the recipient holds ${balance}`);
    return `${cancel ? "cancelled" : "sped up"} in block ${receipt.blockNumber}`;
  });
}

export function viemSpeedUp(t: FlowTarget): Promise<string> {
  return replaceFlow(t, false);
}

export function viemCancel(t: FlowTarget): Promise<string> {
  return replaceFlow(t, true);
}

export async function viemLegacyTx(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const hash = await s.walletClient.sendTransaction({
      account: s.account,
      chain: s.chain,
      type: "legacy",
      to: someAddress(),
      value: 1n,
    });
    await mined(s, hash);
    const tx = await s.publicClient.getTransaction({ hash });
    check(tx.type === "legacy", `the transaction is served as ${tx.type}`);
    const chainId = BigInt(s.chain.id);
    check(tx.v === chainId * 2n + 35n || tx.v === chainId * 2n + 36n, `v ${tx.v} is not EIP-155`);
    return `EIP-155 v ${tx.v}`;
  });
}

export async function viemLegacyPreEip155Tx(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const serializedTransaction = await s.account.signTransaction({
      type: "legacy",
      nonce: await s.publicClient.getTransactionCount({ address: s.account.address, blockTag: "pending" }),
      gasPrice: await s.publicClient.getGasPrice(),
      gas: 21_000n,
      to: someAddress(),
      value: 1n,
    });
    const hash = await s.publicClient.sendRawTransaction({ serializedTransaction });
    await mined(s, hash);
    const tx = await s.publicClient.getTransaction({ hash });
    check(tx.v === 27n || tx.v === 28n, `served v ${tx.v}`);
    return "no chain id in the signature, accepted and mined";
  });
}

export async function viemAccessListTx(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const to = someAddress();
    const hash = await s.walletClient.sendTransaction({
      account: s.account,
      chain: s.chain,
      type: "eip2930",
      to,
      value: 1n,
      accessList: [{ address: to, storageKeys: [`0x${"00".repeat(32)}`] }],
    });
    const receipt = await mined(s, hash);
    const tx = await s.publicClient.getTransaction({ hash });
    check(tx.type === "eip2930", `the transaction is served as ${tx.type}`);
    check(tx.accessList?.length === 1, "the access list is not served");
    check(receipt.gasUsed === 25_300n, `gas used ${receipt.gasUsed}, expected 25300`);
    return `type 1 mined, gas ${receipt.gasUsed}`;
  });
}

export async function viemEip1559Tx(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const hash = await s.walletClient.sendTransaction({
      account: s.account,
      chain: s.chain,
      type: "eip1559",
      to: someAddress(),
      value: 1n,
    });
    const receipt = await mined(s, hash);
    const tx = await s.publicClient.getTransaction({ hash });
    check(tx.type === "eip1559", `the transaction is served as ${tx.type}`);
    const price = receipt.effectiveGasPrice;
    check(price > 0n && price <= tx.maxFeePerGas, `effective price ${price}, cap ${tx.maxFeePerGas}`);
    return `type 2 mined at ${price} wei/gas`;
  });
}

export async function viemBlobTxRefused(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const nonce = await s.publicClient.getTransactionCount({ address: s.account.address });
    const fees = await s.publicClient.estimateFeesPerGas();
    const serializedTransaction = await s.account.signTransaction({
      type: "eip4844",
      chainId: s.chain.id,
      nonce,
      gas: 21_000n,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      maxFeePerBlobGas: 1_000_000_000n,
      blobVersionedHashes: [SOME_BLOB_VERSIONED_HASH],
      to: someAddress(),
      value: 1n,
    });
    const sent = s.publicClient.sendRawTransaction({ serializedTransaction });
    const err = await rejection(sent);
    if (err === null) throw new FlowFailure(`a blob transaction was accepted: ${await sent}`);
    const message = nodeMessage(err);
    check(CLEAR_BLOB_REFUSAL.test(message), `refused without saying why: ${message}`);
    const after = await s.publicClient.getTransactionCount({
      address: s.account.address,
      blockTag: "pending",
    });
    check(after === nonce, "the refused transaction waits in the pool");
    return `refused: ${message.slice(0, 160)}`;
  });
}

/** EIP-7702: a self-sponsored delegation, executed where the EVM's hardfork has it, otherwise refused clearly. */
export async function viemSetCodeTx(t: FlowTarget): Promise<string> {
  return withViem(t, async (s) => {
    const delegate = someAddress();
    const authorization = await s.walletClient.signAuthorization({
      account: s.account,
      contractAddress: delegate,
      executor: "self",
    });
    const sent = s.walletClient.sendTransaction({
      account: s.account,
      chain: s.chain,
      authorizationList: [authorization],
      to: s.account.address,
    });
    const err = await rejection(sent);
    if (err !== null) {
      const message = nodeMessage(err);
      check(CLEAR_SET_CODE_REFUSAL.test(message), `refused without saying why: ${message}`);
      return `refused: ${message.slice(0, 160)}`;
    }
    const receipt = await mined(s, await sent);
    const code = await s.publicClient.getCode({ address: s.account.address });
    const expected = `0xef0100${delegate.slice(2).toLowerCase()}`;
    check(code?.toLowerCase() === expected, `the account's code is ${code}, expected ${expected}`);
    return `type 4 executed in block ${receipt.blockNumber}: delegated`;
  });
}
