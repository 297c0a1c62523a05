import { parseEther, Wallet } from "ethers";
import { AlreadyExitedError } from "../../bridge/client/index.ts";
import { SidechainRpc } from "../../bridge/sidechainRpc.ts";
import type { Address } from "../../node/crypto/index.ts";
import type { BridgeNet } from "../helpers/bridgeNet.ts";
import { eventually } from "../helpers/cluster.ts";
import { InvariantError } from "./invariants.ts";

const ETH = `0x${"00".repeat(20)}` as Address;
const DEPOSITOR = 1;
const DEPOSIT = parseEther("1");
const WITHDRAWAL = parseEther("0.25");
const DEADLINE_MS = 150_000;

export type DepositStage = "never" | "before-lock" | "after-lock" | "after-mint";
export type WithdrawStage = "never" | "before-burn" | "after-burn" | "after-checkpoint";

/**
 * The bridge side of a scenario: every deposit and withdrawal it made, and the checks over them. ETH only: the
 * token does not change what a relayer crash can break.
 */
export class BridgeLedger {
  private readonly deposits: bigint[] = [];
  private readonly withdrawals: { id: bigint; amount: bigint }[] = [];
  checks = 0;

  constructor(
    private readonly bridge: BridgeNet,
    private readonly rpcUrls: () => string[],
  ) {}

  private get sidechain(): SidechainRpc {
    const url = this.rpcUrls()[0];
    if (url === undefined) throw new InvariantError("no running node to ask about the bridge");
    return new SidechainRpc(url);
  }

  private async restartRelayer(): Promise<void> {
    await this.bridge.killRelayer();
    await this.bridge.startRelayer();
  }

  async deposit(stage: DepositStage): Promise<void> {
    const client = this.bridge.client(DEPOSITOR);
    try {
      if (stage === "before-lock") await this.bridge.killRelayer();
      const made = await client.deposit({ token: { kind: "eth" }, amount: DEPOSIT });
      this.deposits.push(made.nonce);
      if (stage === "after-lock") await this.bridge.killRelayer();
      // Locked on L1, maybe not minted: the ledger must already balance with it pending.
      await this.checkLedger();
      if (!this.bridge.relayer) await this.bridge.startRelayer();
      await this.mintedEverywhere(made.nonce);
      if (stage === "after-mint") await this.restartRelayer();
      await eventually(
        "the relayer to settle",
        async () => (await this.sidechain.bridgeInfo()).nextDepositNonce === made.nonce + 1n,
        DEADLINE_MS,
      );
    } finally {
      client.close();
    }
  }

  async withdraw(stage: WithdrawStage): Promise<void> {
    const client = this.bridge.client(DEPOSITOR);
    const to = Wallet.createRandom().address.toLowerCase() as Address;
    try {
      if (stage === "before-burn") await this.bridge.killRelayer();
      const made = await client.withdraw({ token: { kind: "eth" }, amount: WITHDRAWAL, to });
      this.withdrawals.push({ id: made.id, amount: WITHDRAWAL });
      if (stage === "after-burn") await this.bridge.killRelayer();
      await this.checkLedger();
      if (!this.bridge.relayer) await this.bridge.startRelayer();
      const proof = await eventually(
        `withdrawal ${made.id} certified`,
        async () => this.sidechain.withdrawalProof(made.id).catch(() => undefined),
        DEADLINE_MS,
      );
      await eventually(
        `checkpoint ${proof.checkpointNumber} on L1`,
        async () => (await this.sidechain.checkpoint(proof.checkpointNumber))?.l1.status !== "pending",
        DEADLINE_MS,
      );
      if (stage === "after-checkpoint") await this.restartRelayer();
      const exit = await eventually(`exit of ${made.id}`, () => client.exit(made.id), DEADLINE_MS, 1000);
      if (!exit.paid) throw new InvariantError(`exit ${made.id} was queued, not paid`);
      const second = await client.exit(made.id).then(
        () => "paid again",
        (err: unknown) => (err instanceof AlreadyExitedError ? "refused" : `failed: ${String(err)}`),
      );
      if (second !== "refused") throw new InvariantError(`a second exit of ${made.id}: ${second}`);
      const received = await this.bridge.l1Balance(ETH, to);
      if (received !== WITHDRAWAL)
        throw new InvariantError(`withdrawal ${made.id} paid ${received}, expected ${WITHDRAWAL}`);
      this.checks++;
    } finally {
      client.close();
    }
  }

  private async mintedEverywhere(nonce: bigint): Promise<void> {
    await eventually(
      `deposit ${nonce} minted on every running node`,
      async () =>
        (await Promise.all(this.rpcUrls().map((u) => new SidechainRpc(u).deposit(nonce)))).every(
          (d) => d?.status === "minted",
        ),
      DEADLINE_MS,
    );
  }

  /**
   * L1 locked = sidechain supply + deposits locked but not minted + withdrawals burnt but not exited; and no
   * deposit minted that was not made. Read until two reads of the supply agree, so a block landing between the
   * reads is not taken for a broken ledger.
   */
  async checkLedger(): Promise<void> {
    await eventually(
      "a stable read of the bridge ledger",
      async () => {
        const supplyBefore = await this.supply();
        const locked = await this.bridge.lockedOnL1(ETH);
        let pending = 0n;
        for (const nonce of this.deposits)
          if ((await this.sidechain.deposit(nonce))?.status !== "minted") pending += DEPOSIT;
        for (const w of this.withdrawals) if (!(await this.bridge.exitedOnL1(w.id))) pending += w.amount;
        const supply = await this.supply();
        if (supply !== supplyBefore) return false;
        if (locked !== supply + pending)
          throw new InvariantError(`L1 holds ${locked}, sidechain supply ${supply} + pending ${pending}`);
        const last = this.deposits.at(-1);
        const next = (await this.sidechain.bridgeInfo()).nextDepositNonce;
        if (last !== undefined && next > last + 1n)
          throw new InvariantError(
            `the sidechain minted up to nonce ${next - 1n}, the last deposit made is ${last}`,
          );
        return true;
      },
      30_000,
    );
    this.checks++;
  }

  private async supply(): Promise<bigint> {
    const info = await this.sidechain.bridgeInfo();
    return info.tokens.find((t) => t.l1Token === ETH)?.totalSupply ?? 0n;
  }
}
