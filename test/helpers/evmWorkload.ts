import { getCreateAddress, Interface, MaxUint256, type TransactionRequest, Wallet } from "ethers";
import { loadArtifact } from "../../contracts/artifacts.ts";
import {
  type ApplicationQuery,
  BRIDGE_ADDRESS,
  bridgeInterface,
  type ExecutionResult,
  erc20Interface,
  GAS_POOL_ADDRESS,
  minimumGasLimit,
  STAKING_ADDRESS,
  stakingInterface,
} from "../../node/app/index.ts";
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256Hex } from "../../node/crypto/index.ts";
import { addr, BASE_FEE, CHAIN_ID, ETHER, signTx } from "./appFixture.ts";
import type { SeededRandom } from "./seededRandom.ts";

const probeArtifact = await loadArtifact("EvmProbe", { source: "test/EvmProbe" });
const childArtifact = await loadArtifact("Child", { source: "test/EvmProbe" });
const ephemeralArtifact = await loadArtifact("Ephemeral", { source: "test/EvmProbe" });
export const probeInterface = new Interface(probeArtifact.abi);
const childInterface = new Interface(childArtifact.abi);
const ephemeralInterface = new Interface(ephemeralArtifact.abi);

/** What a planned transaction is expected to meet before execution; its execution's outcome is the nodes' to agree on. */
export type Admission =
  /** Passes checkTx and is included. */
  | "included"
  /** Passes checkTx (its nonce is not below the account's) but the proposer leaves it out: a reused nonce or a gap. */
  | "left-out"
  /** checkTx refuses it on every node: a nonce below the account's, a gas limit under the intrinsic gas, a blob tx. */
  | "refused";

export interface PlannedTx {
  raw: Uint8Array;
  hash: Hex;
  kind: string;
  admission: Admission;
}

export interface WorkloadOptions {
  senders: readonly Wallet[];
  tokens: readonly Address[];
  /** The sum of a block's gas limits stays under this, so nothing is left out for want of block gas. */
  blockGasLimit: bigint;
  /** The tokens' EIP-712 domain name and version, for permits. */
  permitDomain: (token: Address) => { name: string; version: string };
}

/** The committed state the planner reads: nonces and balances to aim transactions near their limits. */
export type WorkloadChain = Pick<ApplicationQuery, "nonce" | "tokenBalance" | "call">;

const ACTION_WEIGHTS = {
  deployProbe: 4,
  deployChild: 2,
  deployEphemeral: 3,
  probeCreate: 3,
  probeCreate2: 4,
  inc: 6,
  incThenRevert: 3,
  nested: 4,
  fail: 2,
  failCustom: 2,
  burnGasShort: 4,
  recurseShallow: 3,
  recurseDeep: 1,
  approve: 5,
  pull: 5,
  tokenTransfer: 5,
  tokenTransferFrom: 3,
  permit: 3,
  staticTransfer: 2,
  balanceInTx: 1,
  probeExit: 2,
  bridgeWithdraw: 2,
  malformedCalldata: 4,
  nativeToEoa: 6,
  nativeToContract: 3,
  nativeToPrecompile: 5,
  nativeToSystem: 2,
  staking: 2,
  contractCall: 4,
  delegate: 3,
} as const;

export type ActionKind = keyof typeof ACTION_WEIGHTS;

/** The precompiles Prague has (0x01..0x11): random input must fail or answer the same on every node. */
const PRECOMPILES: Address[] = Array.from(
  { length: 0x11 },
  (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}` as Address,
);
const CREATE2_SALTS: Hex[] = [1, 2, 3].map((i) => `0x${i.toString(16).padStart(64, "0")}` as Hex);

/**
 * Random EVM workloads over a few funded senders: contracts deployed and called in every way EvmProbe allows,
 * system tokens, the bridge and staking, native transfers to every kind of address, and transactions the
 * proposer must leave out. Deterministic for a seed; the contracts it knows of come from the committed blocks.
 */
export class EvmWorkload {
  readonly probes: Address[] = [];
  readonly children: Address[] = [];
  readonly #rng: SeededRandom;
  readonly #opts: WorkloadOptions;
  /** Transactions of the block being planned whose outcome tells what exists: creations. */
  readonly #creations = new Map<Hex, "probe" | "child" | "factory">();
  #nonces = new Map<Address, number>();
  /** Probes created by transactions planned earlier in this block: later ones may call them. */
  #pendingProbes: Address[] = [];
  #gasLeft = 0n;
  /** Value sent to an Ephemeral that names itself as beneficiary, by transaction: burned if it succeeds. */
  readonly #burns = new Map<Hex, bigint>();
  #burning: bigint | null = null;
  /** Native value destroyed by committed blocks: the only way the native supply shrinks. */
  burned = 0n;

  constructor(opts: WorkloadOptions, modules: { rng: SeededRandom }) {
    this.#opts = opts;
    this.#rng = modules.rng;
  }

  /** Plans one block of `size` transactions (fewer if block gas runs out), injected ones included. */
  async plan(chain: WorkloadChain, size: number): Promise<PlannedTx[]> {
    const rng = this.#rng;
    this.#nonces = new Map(this.#opts.senders.map((w) => [addr(w), Number(chain.nonce(addr(w)))]));
    this.#pendingProbes = [];
    this.#gasLeft = this.#opts.blockGasLimit;
    const planned: PlannedTx[] = [];
    while (planned.length < size) {
      const injected = await this.#maybeInjected(chain);
      if (injected !== null) {
        planned.push(injected);
        continue;
      }
      const sender = rng.pick(this.#opts.senders);
      const drawn = rng.weighted(ACTION_WEIGHTS);
      // Calls into a probe need one: until the first is deployed, deploy it.
      const kind = NEEDS_PROBE.has(drawn) && this.#probe() === null ? "deployProbe" : drawn;
      this.#burning = null;
      const drafted = await this.#action(kind, sender, chain);
      const authorizations = drafted.authorizationList?.length ?? 0;
      // A set-code transaction carries EIP-1559's fee fields.
      const envelope = authorizations > 0 ? { ...this.#envelope(false), type: 4 } : this.#envelope();
      // Never under the intrinsic gas (with its access list and EIP-7623's floor): checkTx would refuse it.
      const minimum = minimumGasLimit({
        to: (drafted.to as Address | null) ?? null,
        data: hexToBytes(String(drafted.data ?? "0x")),
        accessList: (envelope.accessList ?? []) as { storageKeys: string[] }[],
        authorizations,
      });
      const gasLimit = bigintMax(BigInt(drafted.gasLimit ?? 0n), minimum);
      const request = { ...drafted, gasLimit };
      if (gasLimit > this.#gasLeft) break;
      this.#gasLeft -= gasLimit;
      const nonce = this.#takeNonce(sender);
      if (kind === "deployProbe" && gasLimit >= 1_500_000n) {
        this.#pendingProbes.push(getCreateAddress({ from: sender.address, nonce }).toLowerCase() as Address);
      }
      const tx = await this.#sign(sender, { ...request, nonce }, kind, "included", envelope);
      const created = CREATION_KINDS[kind];
      if (created !== undefined) this.#creations.set(tx.hash, created);
      if (this.#burning !== null) this.#burns.set(tx.hash, this.#burning);
      this.#burning = null;
      planned.push(tx);
    }
    return planned;
  }

  /** Learns the contracts a committed block created, so later blocks call them. */
  observe(result: ExecutionResult): void {
    for (const [i, receipt] of result.receipts.entries()) {
      const created = this.#creations.get(receipt.txHash);
      if (created === undefined || receipt.status !== 1) continue;
      if (created === "probe" && receipt.contractAddress !== null) this.probes.push(receipt.contractAddress);
      if (created === "child" && receipt.contractAddress !== null)
        this.children.push(receipt.contractAddress);
      const returned = result.txResults[i]?.returnData ?? "0x";
      if (created === "factory" && returned.length === 66)
        this.children.push(`0x${returned.slice(26)}` as Address);
    }
    for (const receipt of result.receipts) {
      if (receipt.status === 1) this.burned += this.#burns.get(receipt.txHash) ?? 0n;
    }
    this.#creations.clear();
    this.#burns.clear();
  }

  /** Now and then a transaction the proposer or checkTx must refuse; null otherwise. */
  async #maybeInjected(chain: WorkloadChain): Promise<PlannedTx | null> {
    const rng = this.#rng;
    const sender = rng.pick(this.#opts.senders);
    const next = this.#nonces.get(addr(sender)) ?? 0;
    const committed = Number(chain.nonce(addr(sender)));
    const transfer = { to: addr(rng.pick(this.#opts.senders)), value: BigInt(rng.int(1, 1000)) };
    const roll = rng.next();
    if (roll < 0.04 && next > committed) {
      // The nonce of this block's earlier transaction: valid against committed state, stale once that one ran.
      return this.#sign(
        sender,
        { ...transfer, nonce: rng.int(committed, next - 1) },
        "reused-nonce",
        "left-out",
      );
    }
    if (roll < 0.07)
      return this.#sign(sender, { ...transfer, nonce: next + rng.int(1, 3) }, "nonce-gap", "left-out");
    if (roll < 0.09 && committed > 0) {
      return this.#sign(sender, { ...transfer, nonce: rng.int(0, committed - 1) }, "stale-nonce", "refused");
    }
    if (roll < 0.1) {
      return this.#sign(sender, { ...transfer, nonce: next, gasLimit: 20_999n }, "intrinsic-gas", "refused");
    }
    if (roll < 0.11) {
      // This chain has no blob space: a type-3 envelope is refused whatever it holds.
      const raw = await signTx(sender, { ...transfer, nonce: next, type: 2 });
      raw[0] = 0x03;
      return { raw, hash: keccak256Hex(raw), kind: "type-3", admission: "refused" };
    }
    return null;
  }

  #takeNonce(sender: Wallet): number {
    const nonce = this.#nonces.get(addr(sender)) ?? 0;
    this.#nonces.set(addr(sender), nonce + 1);
    return nonce;
  }

  async #sign(
    sender: Wallet,
    request: TransactionRequest,
    kind: string,
    admission: Admission,
    envelope: TransactionRequest = this.#envelope(),
  ): Promise<PlannedTx> {
    const raw = await signTx(sender, { ...request, ...envelope });
    return { raw, hash: keccak256Hex(raw), kind, admission };
  }

  /**
   * The transaction type and fee fields: mostly EIP-1559 with a random tip and access list, sometimes legacy (with
   * or without EIP-155) or EIP-2930.
   */
  #envelope(gasPriced = true): TransactionRequest {
    const rng = this.#rng;
    const gasPrice = () => (rng.chance(0.5) ? BASE_FEE : rng.bigint(BASE_FEE, 2n * BASE_FEE));
    if (gasPriced && rng.chance(0.15)) {
      // A legacy transaction signed without a chain id is valid on every chain (EIP-155 is optional).
      return rng.chance(0.2)
        ? { type: 0, chainId: undefined, gasPrice: gasPrice() }
        : { type: 0, gasPrice: gasPrice() };
    }
    // Charged and warmed (EIP-2930): the nodes must agree on what it costs.
    const accessList = rng.chance(0.2)
      ? [{ address: this.#anyContract(), storageKeys: [`0x${"00".repeat(32)}`, bytesToHex(rng.bytes(32))] }]
      : [];
    if (gasPriced && rng.chance(0.1)) return { type: 1, gasPrice: gasPrice(), accessList };
    return {
      type: 2,
      maxFeePerGas: 2n * BASE_FEE,
      maxPriorityFeePerGas: rng.chance(0.5) ? 0n : rng.bigint(1n, BASE_FEE),
      accessList,
    };
  }

  #probe(): Address | null {
    const known = [...this.probes, ...this.#pendingProbes];
    return known.length === 0 ? null : this.#rng.pick(known);
  }

  #anyContract(): Address {
    const rng = this.#rng;
    const all = [...this.probes, ...this.children, ...this.#opts.tokens];
    return rng.pick(all);
  }

  /** Anything that can be named as a target or recipient: accounts, contracts, system addresses, fresh ones. */
  #anyAddress(): Address {
    const rng = this.#rng;
    const roll = rng.next();
    if (roll < 0.3) return addr(rng.pick(this.#opts.senders));
    if (roll < 0.6) return this.#anyContract();
    if (roll < 0.7) return rng.pick(PRECOMPILES);
    if (roll < 0.8) return rng.pick([BRIDGE_ADDRESS, STAKING_ADDRESS, GAS_POOL_ADDRESS]);
    return bytesToHex(rng.bytes(20));
  }

  /** Amounts around a balance: often within it, sometimes just over, sometimes absurd. */
  #amountNear(balance: bigint): bigint {
    const rng = this.#rng;
    const roll = rng.next();
    if (roll < 0.55) return balance === 0n ? 0n : rng.bigint(0n, balance);
    if (roll < 0.8) return balance + rng.bigint(1n, 1000n);
    if (roll < 0.85) return 0n;
    // All of it: balances and allowances that drop to zero are deleted from state.
    if (roll < 0.9) return balance;
    return MaxUint256;
  }

  async #action(kind: ActionKind, sender: Wallet, chain: WorkloadChain): Promise<TransactionRequest> {
    const rng = this.#rng;
    const from = addr(sender);
    const token = rng.pick(this.#opts.tokens);
    const probe = this.#probe();
    const call = (target: Address, data: string, gasLimit: bigint, value = 0n): TransactionRequest => ({
      to: target,
      data,
      gasLimit,
      // A non-payable function refuses value: the call reverts.
      value: rng.chance(0.05) ? rng.bigint(1n, 1000n) : value,
    });
    const onProbe = (data: string, gasLimit: bigint) => {
      if (probe === null) throw new Error(`${kind} needs a probe`);
      return call(probe, data, gasLimit);
    };
    switch (kind) {
      case "deployProbe":
        return {
          to: null,
          data: probeArtifact.bytecode,
          // Sometimes too little: the creation runs out of gas, its address in the receipt still.
          gasLimit: rng.chance(0.15) ? rng.bigint(130_000n, 400_000n) : 1_500_000n,
        };
      case "deployChild":
        return {
          to: null,
          data: `${childArtifact.bytecode}${childInterface.encodeDeploy([rng.bigint(0n, MaxUint256)]).slice(2)}`,
          gasLimit: 300_000n,
        };
      case "deployEphemeral": {
        // Itself as the beneficiary: EIP-6780 burns the value (the contract is destroyed with its balance).
        const self = getCreateAddress({ from, nonce: this.#nonces.get(from) ?? 0 }).toLowerCase() as Address;
        const beneficiary = rng.chance(0.25) ? self : this.#anyAddress();
        const value = rng.chance(0.5) ? rng.bigint(1n, ETHER / 100n) : 0n;
        if (beneficiary === self) this.#burning = value;
        return {
          to: null,
          data: `${ephemeralArtifact.bytecode}${ephemeralInterface.encodeDeploy([beneficiary]).slice(2)}`,
          value,
          gasLimit: rng.chance(0.1) ? 60_000n : 200_000n,
        };
      }
      case "probeCreate":
        return onProbe(probeInterface.encodeFunctionData("create"), rng.bigint(100_000n, 400_000n));
      case "probeCreate2":
        // Three salts only: the same factory often creates at an address already taken.
        return onProbe(probeInterface.encodeFunctionData("create2", [rng.pick(CREATE2_SALTS)]), 400_000n);
      case "inc":
        return onProbe(probeInterface.encodeFunctionData("inc"), 100_000n);
      case "delegate": {
        // EIP-7702: a fresh authority (never a sender, so the planned nonces hold) delegates to a probe and the
        // call runs it on the authority's storage; sometimes another chain's, a stale nonce or a clearing tuple.
        if (probe === null) throw new Error("delegate needs a probe");
        const authority = new Wallet(bytesToHex(rng.bytes(32)));
        const roll = rng.next();
        const auth = await authority.authorize({
          address: roll < 0.1 ? `0x${"00".repeat(20)}` : probe,
          nonce: roll >= 0.1 && roll < 0.2 ? 1n : 0n,
          chainId: roll >= 0.2 && roll < 0.3 ? CHAIN_ID + 1n : roll < 0.5 ? 0n : CHAIN_ID,
        });
        return {
          ...call(addr(authority), probeInterface.encodeFunctionData("inc"), 150_000n),
          authorizationList: [auth],
        };
      }
      case "incThenRevert":
        return onProbe(probeInterface.encodeFunctionData("incThenRevert"), 100_000n);
      case "nested": {
        const other = rng.chance(0.7) ? (this.#probe() ?? this.#anyAddress()) : this.#anyAddress();
        return onProbe(probeInterface.encodeFunctionData("nested", [other]), 300_000n);
      }
      case "fail": {
        const reason = String.fromCharCode(...Array.from({ length: rng.int(0, 80) }, () => rng.int(32, 126)));
        return onProbe(probeInterface.encodeFunctionData("fail", [reason]), 100_000n);
      }
      case "failCustom":
        return onProbe(
          probeInterface.encodeFunctionData("failCustom", [rng.bigint(0n, MaxUint256)]),
          100_000n,
        );
      case "burnGasShort":
        // Mostly too little gas for the rounds: out of gas after some of the writes.
        return onProbe(
          probeInterface.encodeFunctionData("burnGas", [rng.int(1, 60)]),
          rng.bigint(22_000n, 150_000n),
        );
      case "recurseShallow":
        return onProbe(
          probeInterface.encodeFunctionData("recurse", [rng.int(0, 40)]),
          rng.bigint(30_000n, 2_000_000n),
        );
      case "recurseDeep":
        // Past 1024 frames, or out of gas on the way there.
        return onProbe(
          probeInterface.encodeFunctionData("recurse", [rng.int(1000, 1100)]),
          rng.bigint(1_000_000n, 2_500_000n),
        );
      case "approve": {
        const spender = rng.chance(0.6)
          ? (this.#probe() ?? this.#anyAddress())
          : addr(rng.pick(this.#opts.senders));
        const amount = this.#amountNear(chain.tokenBalance(token, from));
        return call(token, erc20Interface.encodeFunctionData("approve", [spender, amount]), 100_000n);
      }
      case "pull": {
        const owner = addr(rng.pick(this.#opts.senders));
        const amount = this.#amountNear(chain.tokenBalance(token, owner) / 4n);
        return onProbe(probeInterface.encodeFunctionData("pull", [token, owner, amount]), 200_000n);
      }
      case "tokenTransfer": {
        const amount = this.#amountNear(chain.tokenBalance(token, from));
        return call(
          token,
          erc20Interface.encodeFunctionData("transfer", [this.#anyAddress(), amount]),
          100_000n,
        );
      }
      case "tokenTransferFrom": {
        const owner = addr(rng.pick(this.#opts.senders));
        const amount = this.#amountNear(chain.tokenBalance(token, owner) / 4n);
        const data = erc20Interface.encodeFunctionData("transferFrom", [owner, this.#anyAddress(), amount]);
        return call(token, data, 100_000n);
      }
      case "permit":
        return this.#permit(sender, token, chain);
      case "staticTransfer":
        return onProbe(
          probeInterface.encodeFunctionData("staticTransfer", [token, this.#anyAddress()]),
          100_000n,
        );
      case "balanceInTx":
        return onProbe(probeInterface.encodeFunctionData("balanceIn", [token]), 100_000n);
      case "probeExit": {
        const data = probeInterface.encodeFunctionData("exit", [
          BRIDGE_ADDRESS,
          token,
          rng.bigint(0n, 100n),
          from,
        ]);
        return onProbe(data, 200_000n);
      }
      case "bridgeWithdraw": {
        const data = bridgeInterface.encodeFunctionData("withdraw", [token, rng.bigint(0n, 100n), from]);
        return call(BRIDGE_ADDRESS, data, 150_000n);
      }
      case "malformedCalldata": {
        const target = rng.chance(0.7)
          ? token
          : rng.pick([...this.#opts.tokens, BRIDGE_ADDRESS, STAKING_ADDRESS]);
        const valid = rng.pick([
          erc20Interface.encodeFunctionData("transfer", [from, 1n]),
          erc20Interface.encodeFunctionData("approve", [from, 1n]),
          erc20Interface.encodeFunctionData("transferFrom", [from, from, 1n]),
          erc20Interface.encodeFunctionData("balanceOf", [from]),
        ]);
        // Truncated arguments, a bare or partial selector, or noise.
        const data = rng.chance(0.5)
          ? valid.slice(0, 2 + 2 * rng.int(0, (valid.length - 2) / 2 - 1))
          : bytesToHex(rng.bytes(rng.int(0, 100)));
        return call(target, data, rng.bigint(30_000n, 120_000n));
      }
      case "nativeToEoa":
        return {
          to: rng.chance(0.5) ? addr(rng.pick(this.#opts.senders)) : bytesToHex(rng.bytes(20)),
          value: rng.bigint(0n, ETHER / 100n),
          gasLimit: 21_000n,
        };
      case "nativeToContract":
        // No receive() nor fallback: the transfer reverts.
        return { to: this.#anyContract(), value: rng.bigint(0n, 1000n), gasLimit: 60_000n };
      case "nativeToPrecompile":
        return {
          to: rng.pick(PRECOMPILES),
          value: rng.chance(0.5) ? rng.bigint(1n, 1000n) : 0n,
          data: bytesToHex(rng.bytes(rng.pick([0, 1, 32, 64, 96, 128, 192, rng.int(0, 300)]))),
          gasLimit: rng.bigint(25_000n, 400_000n),
        };
      case "nativeToSystem":
        return {
          to: rng.pick([BRIDGE_ADDRESS, STAKING_ADDRESS, GAS_POOL_ADDRESS, ...this.#opts.tokens]),
          value: rng.chance(0.7) ? rng.bigint(1n, 1000n) : 0n,
          gasLimit: 60_000n,
        };
      case "contractCall": {
        const value = rng.chance(0.5) ? rng.bigint(1n, 10n) : 0n;
        // Random bytes might SELFDESTRUCT to the contract itself, burning the value: only without value.
        return {
          to: null,
          data: this.#callingInitcode(value === 0n),
          value,
          gasLimit: rng.bigint(60_000n, 300_000n),
        };
      }
      case "staking": {
        const fn = rng.pick(["stake", "unstake", "withdrawUnbonded"] as const);
        const amount = rng.chance(0.8) ? rng.bigint(0n, 2n * ETHER) : MaxUint256;
        const data =
          fn === "withdrawUnbonded"
            ? stakingInterface.encodeFunctionData(fn)
            : stakingInterface.encodeFunctionData(fn, [amount]);
        return call(STAKING_ADDRESS, data, 150_000n);
      }
    }
  }

  /**
   * Initcode that writes random words to memory, then CALLs or STATICCALLs any address with a slice of it: a
   * contract's view of the precompiles and system contracts, with inputs no Solidity caller would send. A few
   * random bytes may follow, mostly ending the run at once (a bad opcode, a stack underflow).
   */
  #callingInitcode(randomTail: boolean): Hex {
    const rng = this.#rng;
    const hex = (n: number, bytes: number) => n.toString(16).padStart(2 * bytes, "0");
    let code = "";
    for (let i = rng.int(0, 3); i > 0; i--)
      code += `7f${bytesToHex(rng.bytes(32)).slice(2)}60${hex(32 * rng.int(0, 3), 1)}52`;
    const target = rng.chance(0.4) ? rng.pick(PRECOMPILES) : this.#anyAddress();
    const args = `61${hex(rng.int(0, 160), 2)}60${hex(rng.int(0, 64), 1)}`;
    const returns = `60${hex(rng.int(0, 64), 1)}6000`;
    code += rng.chance(0.5)
      ? `${returns}${args}73${target.slice(2)}5afa`
      : `${returns}${args}60${hex(rng.int(0, 3), 1)}73${target.slice(2)}5af1`;
    // The call's success flag and return data kept, so a difference between nodes shows in state.
    code += "60005500";
    if (randomTail && rng.chance(0.5))
      code = `${code.slice(0, -2)}${bytesToHex(rng.bytes(rng.int(1, 8))).slice(2)}`;
    return `0x${code}`;
  }

  /** An EIP-2612 permit by a random owner, sent by `sender`: valid, expired, or with a wrong nonce. */
  async #permit(sender: Wallet, token: Address, chain: WorkloadChain): Promise<TransactionRequest> {
    const rng = this.#rng;
    const owner = rng.pick(this.#opts.senders);
    const spender = rng.chance(0.5) ? (this.#probe() ?? addr(sender)) : addr(sender);
    const current = BigInt(
      await chain.call({
        to: token,
        data: erc20Interface.encodeFunctionData("nonces", [addr(owner)]) as Hex,
      }),
    );
    const value = this.#amountNear(chain.tokenBalance(token, addr(owner)));
    const roll = rng.next();
    const nonce = roll < 0.1 ? current + 1n : current;
    // Block times are in 2023 (fixture time): a deadline of 1 has passed, 2^40 has not.
    const deadline = roll > 0.9 ? 1n : 2n ** 40n;
    const { name, version } = this.#opts.permitDomain(token);
    const signature = await owner.signTypedData(
      { name, version, chainId: CHAIN_ID, verifyingContract: token },
      {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      { owner: owner.address, spender, value, nonce, deadline },
    );
    const v = Number.parseInt(signature.slice(130, 132), 16);
    const r = `0x${signature.slice(2, 66)}`;
    const s = `0x${signature.slice(66, 130)}`;
    const data = erc20Interface.encodeFunctionData("permit", [
      addr(owner),
      spender,
      value,
      deadline,
      v,
      r,
      s,
    ]);
    return { to: token, data, gasLimit: 150_000n };
  }
}

const NEEDS_PROBE = new Set<ActionKind>([
  "delegate",
  "probeCreate",
  "probeCreate2",
  "inc",
  "incThenRevert",
  "nested",
  "fail",
  "failCustom",
  "burnGasShort",
  "recurseShallow",
  "recurseDeep",
  "pull",
  "staticTransfer",
  "balanceInTx",
  "probeExit",
]);

const CREATION_KINDS: Partial<Record<ActionKind, "probe" | "child" | "factory">> = {
  deployProbe: "probe",
  deployChild: "child",
  probeCreate: "factory",
  probeCreate2: "factory",
};

const bigintMax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
