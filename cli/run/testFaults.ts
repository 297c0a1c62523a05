import { ConfigError } from "../../node/config/errors.ts";

/** The hooks a fault test may set (loaded only when OUTRIGGER_TEST_FAULTS=1). */
export interface TestFaultHooks {
  afterBlockWrite?: (height: number) => void;
}

export const CRASH_AFTER_BLOCK_WRITE_ENV = "OUTRIGGER_FAULT_CRASH_AFTER_BLOCK_WRITE";

/**
 * OUTRIGGER_FAULT_CRASH_AFTER_BLOCK_WRITE=<height>: SIGKILL this process right after the block batch of that
 * height is stored and before the app and consensus move on, as a power cut in the middle of a commit would.
 */
export function testFaultHooks(env: Record<string, string | undefined>): TestFaultHooks {
  const text = env[CRASH_AFTER_BLOCK_WRITE_ENV];
  if (text === undefined || text === "") return {};
  if (!/^[0-9]{1,12}$/.test(text))
    throw new ConfigError(
      `${CRASH_AFTER_BLOCK_WRITE_ENV}: expected a block height, got ${JSON.stringify(text)}`,
    );
  const height = Number(text);
  return {
    afterBlockWrite: (written) => {
      if (written === height) process.kill(process.pid, "SIGKILL");
    },
  };
}
