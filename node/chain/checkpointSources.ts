import type { Application } from "../app/index.ts";
import type { CheckpointSources } from "../checkpoint/index.ts";
import type { ChainStore } from "../storage/index.ts";
import { storedValidatorSetAt } from "./validatorSets.ts";

/** What checkpoints are built from, read from this node's store and state; the head comes from the chain. */
export function createCheckpointSources(
  headHeight: () => number,
  modules: { store: ChainStore; app: Pick<Application, "withdrawal" | "nextWithdrawalId"> },
): CheckpointSources {
  const { store, app } = modules;
  return {
    headHeight,
    hashAt: (height) => store.hashAt(height),
    async validatorsAt(height) {
      const set = await storedValidatorSetAt(store, height);
      if (!set) return null;
      return {
        validators: set.validators.map(({ address, power }) => ({ address, power })),
        hash: set.hash(),
      };
    },
    withdrawal: (id) => app.withdrawal(id),
    nextWithdrawalId: () => app.nextWithdrawalId(),
  };
}
