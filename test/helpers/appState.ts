import {
  type AppGenesis,
  type Application,
  chainAppHash,
  createApplication,
  creditDeposit,
  type DepositCredit,
  initialState,
} from "../../node/app/index.ts";
import { collectWrites, withAppHash } from "../../node/app/stateCodec.ts";
import { ZERO_HASH } from "../../node/crypto/index.ts";
import { testGenesis } from "./appFixture.ts";

/**
 * An app whose committed state is the test genesis plus credited deposits, still at height 0: the credits are
 * applied to the genesis state and the result is loaded the way a node loads its state at startup. Tests of
 * deposit claims themselves run blocks instead (app-deposits.test.ts).
 */
export function appWithCredits(credits: DepositCredit[], overrides: Partial<AppGenesis> = {}): Application {
  const genesis = { ...testGenesis(), ...overrides };
  const { state } = initialState(genesis);
  for (const credit of credits) creditDeposit(state, credit);
  const writes = collectWrites(state);
  const entries = withAppHash(writes, chainAppHash(ZERO_HASH, writes)).map(
    ([key, value]) => [key, value as Uint8Array] as const,
  );
  return createApplication(genesis, entries);
}
