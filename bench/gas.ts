import {
  BrowserProvider,
  Contract,
  ContractFactory,
  type ContractTransactionResponse,
  type JsonRpcSigner,
} from "ethers";
import hre from "hardhat";
import { loadArtifact } from "../contracts/artifacts.ts";
import { deployContracts } from "../contracts/deploy.ts";
import {
  type Address,
  type Hex,
  hashValidatorSet,
  hexToBytes,
  keccak256Hex,
  privateKeyToAddress,
  toAddress,
} from "../node/crypto/index.ts";
import {
  checkpointMessage,
  ETH_TOKEN,
  packCheckpointSignatures,
  signCheckpoint,
  submitCheckpointArgs,
  WithdrawalTree,
} from "../node/types/index.ts";
import type { Checkpoint, Withdrawal } from "../node/types/shapes.ts";
import { formatTable } from "./lib/table.ts";

/**
 * Gas of the L1 side of the peg on hardhat's EVM. Gas is deterministic, so these figures compare directly with
 * mainnet ones such as Polygon PoS's ~18,000 gas per checkpoint signature. All figures are receipts' gasUsed: the
 * 21,000 transaction base and calldata included. Checkpoints are measured in steady state (after a first one
 * initialised the contract's slots), with the set unchanged and every validator at POWER, a power in whole
 * tokens as the sidechain has it (stake / 10^18): a million tokens staked each, 128 of them far below the
 * consensus cap on the total. At 128 validators the goal is checked at every participation L1 accepts, from
 * just over 2/3 of the set (86) to all of it.
 */

const VALIDATOR_COUNTS = [4, 16, 64, 128];
const GOAL_GAS_PER_SIGNATURE = 6_000;
const POLYGON_GAS_PER_SIGNATURE = 18_000;
const SIDECHAIN_ID = 424242n;
const EPOCH_BLOCKS = 100;
const WITHDRAWALS_PER_CHECKPOINT = 64;
const POWER = 1_000_000n;
const SIGNERS_AT_128 = [86, 100, 128];
const ONE_TOKEN = 10n ** 18n;

interface Key {
  privateKey: Hex;
  address: Address;
}

interface Mined {
  gas: number;
  calldataBytes: number;
  /** EIP-2028 price of the calldata (4 per zero byte, 16 per other byte). */
  calldataGas: number;
}

interface CheckpointRow extends Mined {
  validators: number;
  signers: number;
  mode: "all" | "2/3+" | "part";
  gasPerSignature: number;
  executionGas: number;
}

const provider = new BrowserProvider(hre.network.provider, undefined, { cacheTimeout: -1 });
const utf8 = (s: string) => new TextEncoder().encode(s);

function keysFor(count: number): Key[] {
  return Array.from({ length: count }, (_, i) => {
    const privateKey = keccak256Hex(utf8(`outrigger/bench-key/${i}`));
    return { privateKey, address: privateKeyToAddress(privateKey) };
  }).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
}

async function mined(tx: Promise<unknown>): Promise<Mined> {
  const response = (await tx) as ContractTransactionResponse;
  const receipt = await response.wait();
  if (receipt === null || receipt.status !== 1) throw new Error(`transaction ${response.hash} failed`);
  const bytes = hexToBytes(response.data);
  const zeros = bytes.filter((b) => b === 0).length;
  return {
    gas: Number(receipt.gasUsed),
    calldataBytes: bytes.length,
    calldataGas: 4 * zeros + 16 * (bytes.length - zeros),
  };
}

async function deployWith(deployer: JsonRpcSigner, keys: readonly Key[]) {
  const admin = toAddress(await deployer.getAddress());
  const validators = keys.map((k) => ({ address: k.address, power: POWER }));
  const deployment = await deployContracts(deployer, {
    sidechainId: SIDECHAIN_ID,
    validators,
    admin,
    guardian: admin,
    outFile: null,
  });
  const manager = new Contract(
    deployment.checkpointManager,
    (await loadArtifact("CheckpointManager")).abi,
    deployer,
  );
  const domain = { l1ChainId: deployment.l1ChainId, checkpointManager: deployment.checkpointManager };
  const submit = (checkpoint: Checkpoint, signers: readonly Key[]) => {
    const packed = packCheckpointSignatures(
      keys.map((k) => k.address),
      signers.map((k) => ({
        validator: k.address,
        signature: signCheckpoint(checkpoint, domain, k.privateKey),
      })),
    );
    return mined(
      manager.getFunction("submitCheckpoint")(
        ...submitCheckpointArgs(checkpointMessage(checkpoint), {
          validators,
          ...packed,
          nextValidators: null,
        }),
      ),
    );
  };
  return { deployment, submit, setHash: hashValidatorSet(validators) };
}

function checkpointAt(number: number, nextValidatorSetHash: Hex, withdrawalsRoot?: Hex): Checkpoint {
  return {
    sidechainId: SIDECHAIN_ID,
    number,
    startHeight: (number - 1) * EPOCH_BLOCKS + 1,
    endHeight: number * EPOCH_BLOCKS,
    blocksRoot: keccak256Hex(utf8(`blocks ${number}`)),
    withdrawalsRoot: withdrawalsRoot ?? keccak256Hex(utf8(`withdrawals ${number}`)),
    nextValidatorSetHash,
  };
}

async function checkpointGas(deployer: JsonRpcSigner, count: number): Promise<CheckpointRow[]> {
  const keys = keysFor(count);
  const { submit, setHash } = await deployWith(deployer, keys);
  await submit(checkpointAt(1, setHash), keys);
  const quorum = Math.floor((2 * count) / 3) + 1;
  const participations = count === 128 ? [...SIGNERS_AT_128].reverse() : [count, quorum];
  const rows: CheckpointRow[] = [];
  let number = 1;
  for (const signers of participations) {
    number += 1;
    // A quorum spread over the set, as real signers would be.
    const chosen = keys.filter(
      (_, i) => Math.floor((i * signers) / count) !== Math.floor(((i - 1) * signers) / count),
    );
    if (chosen.length !== signers) throw new Error(`picked ${chosen.length} signers, wanted ${signers}`);
    const m = await submit(checkpointAt(number, setHash), chosen);
    rows.push({
      validators: count,
      signers,
      mode: signers === count ? "all" : signers === quorum ? "2/3+" : "part",
      ...m,
      gasPerSignature: Math.round(m.gas / signers),
      executionGas: m.gas - 21_000 - m.calldataGas,
    });
  }
  return rows;
}

interface BridgeGas {
  depositETH: number;
  depositERC20: number;
  exitETH: number;
  exitERC20: number;
  exitETHUnderDailyLimit: number;
  exitETHQueued: number;
  releaseQueuedETH: number;
  proofLength: number;
}

async function bridgeGas(deployer: JsonRpcSigner, user: JsonRpcSigner): Promise<BridgeGas> {
  const keys = keysFor(4);
  const { deployment, submit, setHash } = await deployWith(deployer, keys);
  const bridgeAbi = (await loadArtifact("Bridge")).abi;
  const bridge = new Contract(deployment.bridge, bridgeAbi, user);
  const tokenArtifact = await loadArtifact("TestToken", { source: "test/TestToken" });
  const deployed = await new ContractFactory(tokenArtifact.abi, tokenArtifact.bytecode, user).deploy(
    "Bench Token",
    "BENCH",
    18,
  );
  await deployed.waitForDeployment();
  const token = new Contract(await deployed.getAddress(), tokenArtifact.abi, user);
  const tokenAddress = toAddress(await token.getAddress());
  const userAddress = toAddress(await user.getAddress());
  await mined(token.getFunction("mint")(userAddress, 10n ** 24n));
  await mined(token.getFunction("approve")(deployment.bridge, 2n ** 255n));

  // Each measured deposit is the second of its kind: steady state, as most deposits are.
  const depositETH = () => mined(bridge.getFunction("depositETH")(userAddress, { value: ONE_TOKEN }));
  const depositERC20 = () => mined(bridge.getFunction("depositERC20")(tokenAddress, ONE_TOKEN, userAddress));
  await depositETH();
  const depositETHGas = (await depositETH()).gas;
  await depositERC20();
  const depositERC20Gas = (await depositERC20()).gas;

  const recipient = toAddress(`0x${"5e".repeat(20)}`);
  const withdrawals: Withdrawal[] = Array.from({ length: WITHDRAWALS_PER_CHECKPOINT }, (_, i) => ({
    id: BigInt(i),
    l1Token: i % 2 === 0 ? ETH_TOKEN : tokenAddress,
    l1Recipient: recipient,
    amount: 10n ** 15n,
  }));
  const tree = new WithdrawalTree(withdrawals);
  await submit(checkpointAt(1, setHash, tree.root), keys);
  const exit = (i: number) => {
    const w = withdrawals[i] as Withdrawal;
    const tuple = { id: w.id, token: w.l1Token, recipient: w.l1Recipient, amount: w.amount };
    return mined(bridge.getFunction("exit")(1, tuple, tree.proof(w.id)));
  };
  // The recipient already holds ETH and tokens after the first pair, as most recipients do.
  await exit(0);
  await exit(1);
  const exitETH = (await exit(2)).gas;
  const exitERC20 = (await exit(3)).gas;
  const admin = new Contract(deployment.bridge, bridgeAbi, deployer);
  await mined(admin.getFunction("setLimits")(ETH_TOKEN, 10n ** 16n, 10n ** 18n));
  await exit(4);
  const exitETHUnderDailyLimit = (await exit(6)).gas;
  await mined(admin.getFunction("setLimits")(ETH_TOKEN, 10n ** 14n, 10n ** 18n));
  const exitETHQueued = (await exit(8)).gas;
  await provider.send("evm_increaseTime", [86_400]);
  const releaseQueuedETH = (await mined(bridge.getFunction("releaseQueuedExit")(8))).gas;
  return {
    depositETH: depositETHGas,
    depositERC20: depositERC20Gas,
    exitETH,
    exitERC20,
    exitETHUnderDailyLimit,
    exitETHQueued,
    releaseQueuedETH,
    proofLength: tree.proof(0n).length,
  };
}

function marginalGasPerSignature(rows: readonly CheckpointRow[], validators: number): number | null {
  const all = rows.find((r) => r.validators === validators && r.mode === "all");
  const quorum = rows.find((r) => r.validators === validators && r.mode === "2/3+");
  if (!all || !quorum || all.signers === quorum.signers) return null;
  return Math.round((all.gas - quorum.gas) / (all.signers - quorum.signers));
}

async function main(): Promise<void> {
  const deployer = await provider.getSigner(0);
  const user = await provider.getSigner(1);
  const rows: CheckpointRow[] = [];
  for (const count of VALIDATOR_COUNTS) rows.push(...(await checkpointGas(deployer, count)));
  const bridge = await bridgeGas(deployer, user);

  const at128 = rows.filter((r) => r.validators === 128);
  const verdicts = at128.map((r) => ({
    signers: r.signers,
    mode: r.mode,
    gasPerSignature: r.gasPerSignature,
    met: r.gasPerSignature <= GOAL_GAS_PER_SIGNATURE,
    overBy: Math.max(0, r.gasPerSignature - GOAL_GAS_PER_SIGNATURE),
  }));
  const result = {
    benchmark: "gas",
    evm: { hardfork: hre.config.networks.hardhat.hardfork, solc: hre.config.solidity.compilers[0]?.version },
    checkpoints: rows.map((r) => ({
      ...r,
      marginalGasPerSignature: marginalGasPerSignature(rows, r.validators),
    })),
    bridge,
    goal: {
      maxGasPerSignatureAt128Validators: GOAL_GAS_PER_SIGNATURE,
      reference: `Polygon PoS checkpoints: ~${POLYGON_GAS_PER_SIGNATURE} gas per signature`,
      at128: verdicts,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  console.log();
  console.log(
    formatTable(
      [
        "validators",
        "signers",
        "mode",
        "gas",
        "gas/signature",
        "marginal/signature",
        "calldata gas",
        "execution gas",
      ],
      result.checkpoints.map((r) => [
        r.validators,
        r.signers,
        r.mode,
        r.gas,
        r.gasPerSignature,
        r.marginalGasPerSignature ?? "-",
        r.calldataGas,
        r.executionGas,
      ]),
    ),
  );
  console.log();
  console.log(
    formatTable(
      ["bridge operation", "gas"],
      Object.entries(bridge)
        .filter(([name]) => name !== "proofLength")
        .map(([name, gas]) => [name, gas]),
    ),
  );
  console.log(
    `(exits prove a leaf of a ${WITHDRAWALS_PER_CHECKPOINT}-withdrawal tree: ${bridge.proofLength} hashes)`,
  );
  console.log();
  console.log(`gas per signature at 128 validators (goal: at most ${GOAL_GAS_PER_SIGNATURE}):`);
  for (const v of [...verdicts].sort((a, b) => a.signers - b.signers)) {
    const ratio = (POLYGON_GAS_PER_SIGNATURE / v.gasPerSignature).toFixed(1);
    console.log(
      `  ${String(v.signers).padStart(3)} signers: ${v.gasPerSignature} gas/signature  ` +
        (v.met ? `[ok, <= ${GOAL_GAS_PER_SIGNATURE}]` : `[OVER ${GOAL_GAS_PER_SIGNATURE} by ${v.overBy}]`) +
        `  (${ratio}x below Polygon PoS)`,
    );
  }
}

await main();
