import { EVMError, type PrecompileFunc } from "@ethereumjs/evm";

/** EIP-4844's point evaluation precompile. */
export const KZG_POINT_EVALUATION_ADDRESS = "0x000000000000000000000000000000000000000a";

/**
 * The point evaluation precompile fails every call, using all its gas, as it does for input it cannot verify.
 * The chain carries no blobs, and @ethereumjs/evm throws out of the whole block when no KZG library is loaded
 * (a node crash, not a failed call); loading one is left until a use appears.
 */
export const kzgPointEvaluationUnavailable: PrecompileFunc = (input) => ({
  returnValue: new Uint8Array(0),
  executionGasUsed: input.gasLimit,
  exceptionError: new EVMError(EVMError.errorMessages.INVALID_INPUTS),
});
