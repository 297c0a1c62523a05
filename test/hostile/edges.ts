import { Code, type HttpCase, request, resultOr } from "./cases.ts";

/**
 * Well-formed requests at the edges of what is valid: blocks that do not exist, the largest numbers a param takes,
 * historical state this node does not keep, the widest filters. Each gets a result or a refusal, never a failure.
 */

const MAX_SAFE = `${Number.MAX_SAFE_INTEGER}`;
const MAX_SAFE_HEX = `"0x${Number.MAX_SAFE_INTEGER.toString(16)}"`;
const MAX_UINT256_HEX = `"0x${"f".repeat(64)}"`;
const MAX_UINT256_DEC = `"${((1n << 256n) - 1n).toString()}"`;
const UNKNOWN_HASH = `"0x${"5a".repeat(32)}"`;
const ADDRESS = '"0x000000000000000000000000000000000000dEaD"';
/** JUMPDEST PUSH1 0 JUMP: a loop that runs until the gas is gone. */
const LOOP_CODE = '"0x5b600056"';

const STATE_REFUSAL = [Code.Server];
// Out of gas, or past the request deadline when the machine is slow: both stop the work.
const CALL_FAILURE = [Code.Server, Code.Reverted, Code.Limit];

export function edgeCases(): HttpCase[] {
  const list: [string, string, string[], number[]][] = [
    ["balance at block 1 (historical)", "eth_getBalance", [ADDRESS, '"0x1"'], STATE_REFUSAL],
    ["balance above the head", "eth_getBalance", [ADDRESS, MAX_SAFE_HEX], STATE_REFUSAL],
    [
      "balance at an unknown block hash",
      "eth_getBalance",
      [ADDRESS, `{"blockHash":${UNKNOWN_HASH}}`],
      STATE_REFUSAL,
    ],
    [
      "balance at an unknown canonical block hash",
      "eth_getBalance",
      [ADDRESS, `{"blockHash":${UNKNOWN_HASH},"requireCanonical":true}`],
      STATE_REFUSAL,
    ],
    ["balance at earliest", "eth_getBalance", [ADDRESS, '"earliest"'], STATE_REFUSAL],
    ["balance at block number 0", "eth_getBalance", [ADDRESS, '{"blockNumber":"0x0"}'], STATE_REFUSAL],
    ["nonce at pending", "eth_getTransactionCount", [ADDRESS, '"pending"'], []],
    ["code above the head", "eth_getCode", [ADDRESS, MAX_SAFE_HEX], STATE_REFUSAL],
    ["storage at the last slot", "eth_getStorageAt", [ADDRESS, MAX_UINT256_HEX, '"latest"'], []],
    ["call above the head", "eth_call", ["{}", MAX_SAFE_HEX], STATE_REFUSAL],
    [
      "call moving more value than exists",
      "eth_call",
      [`{"from":${ADDRESS},"to":${ADDRESS},"value":${MAX_UINT256_HEX}}`],
      CALL_FAILURE,
    ],
    [
      "call with the largest gas and fees",
      "eth_call",
      [`{"to":${ADDRESS},"gas":"0xffffffffffffffff","maxFeePerGas":${MAX_UINT256_HEX}}`],
      CALL_FAILURE,
    ],
    [
      "call with 64 KiB of calldata",
      "eth_call",
      [`{"to":${ADDRESS},"data":"0x${"ab".repeat(64 * 1024)}"}`],
      CALL_FAILURE,
    ],
    [
      "estimate moving more value than exists",
      "eth_estimateGas",
      [`{"from":${ADDRESS},"to":${ADDRESS},"value":${MAX_UINT256_HEX}}`],
      CALL_FAILURE,
    ],
    ["block at the largest height", "eth_getBlockByNumber", [MAX_SAFE_HEX, "true"], []],
    ["block at earliest, full", "eth_getBlockByNumber", ['"earliest"', "true"], []],
    ["block at pending", "eth_getBlockByNumber", ['"pending"', "false"], []],
    ["block at safe", "eth_getBlockByNumber", ['"safe"', "false"], []],
    ["block at finalized", "eth_getBlockByNumber", ['"finalized"', "false"], []],
    ["block 0", "eth_getBlockByNumber", ['"0x0"', "true"], []],
    ["unknown block by hash", "eth_getBlockByHash", [UNKNOWN_HASH, "true"], []],
    ["receipts of an unknown block hash", "eth_getBlockReceipts", [`{"blockHash":${UNKNOWN_HASH}}`], []],
    ["receipts at the largest height", "eth_getBlockReceipts", [MAX_SAFE_HEX], []],
    ["tx count at the largest height", "eth_getBlockTransactionCountByNumber", [MAX_SAFE_HEX], []],
    ["tx at the largest index", "eth_getTransactionByBlockNumberAndIndex", ['"latest"', MAX_SAFE_HEX], []],
    ["tx at an unknown block hash", "eth_getTransactionByBlockHashAndIndex", [UNKNOWN_HASH, '"0x0"'], []],
    ["unknown transaction", "eth_getTransactionByHash", [UNKNOWN_HASH], []],
    ["unknown receipt", "eth_getTransactionReceipt", [UNKNOWN_HASH], []],
    [
      "logs from 0 to the largest height",
      "eth_getLogs",
      [`{"fromBlock":"0x0","toBlock":${MAX_SAFE_HEX}}`],
      [Code.Limit],
    ],
    ["logs of an unknown block hash", "eth_getLogs", [`{"blockHash":${UNKNOWN_HASH}}`], [Code.Server]],
    [
      "logs with the widest filter",
      "eth_getLogs",
      [
        `{"address":[${Array.from({ length: 1024 }, () => ADDRESS).join(",")}],"topics":[${Array.from(
          { length: 4 },
          () => `[${Array.from({ length: 64 }, () => UNKNOWN_HASH).join(",")}]`,
        ).join(",")}]}`,
      ],
      [Code.Limit],
    ],
    ["fee history of 0 blocks", "eth_feeHistory", ["0", '"latest"'], []],
    ["fee history of the largest count", "eth_feeHistory", [MAX_SAFE_HEX, '"latest"', "[0,50,100]"], []],
    ["fee history from the largest height", "eth_feeHistory", ['"0x5"', MAX_SAFE_HEX], []],
    [
      "fee history with 100 percentiles",
      "eth_feeHistory",
      ['"0x400"', '"latest"', `[${Array.from({ length: 100 }, (_, i) => i).join(",")}]`],
      [],
    ],
    ["sha3 of 256 KiB", "web3_sha3", [`"0x${"cd".repeat(256 * 1024)}"`], []],
    ["commit at the largest height", "outrigger_commit", [MAX_SAFE], []],
    ["validators at the largest height", "outrigger_validators", [MAX_SAFE], []],
    ["validators at height 0", "outrigger_validators", ["0"], []],
    ["evidence at the largest height", "outrigger_evidence", [MAX_SAFE], []],
    ["evidence at height 0", "outrigger_evidence", ["0"], []],
    ["evidence at latest", "outrigger_evidence", ['"latest"'], []],
    ["commit at height 0", "outrigger_commit", ["0"], []],
    ["commit at latest", "outrigger_commit", ['"latest"'], []],
    ["validators at latest", "outrigger_validators", ['"latest"'], []],
    ["0 checkpoints from 0", "outrigger_checkpoints", ["0", "0"], []],
    ["deposit 0", "outrigger_deposit", ["0"], []],
    ["withdrawal proof of id 0 as hex", "outrigger_withdrawalProof", ['"0x0"'], [Code.Server]],
    ["block receipts at earliest", "eth_getBlockReceipts", ['"earliest"'], []],
    ["block receipts at block 0", "eth_getBlockReceipts", ['"0x0"'], []],
    ["logs of block 0 only", "eth_getLogs", ['{"fromBlock":"0x0","toBlock":"0x0"}'], []],
    [
      "logs from earliest to pending",
      "eth_getLogs",
      ['{"fromBlock":"earliest","toBlock":"pending"}'],
      [Code.Limit],
    ],
    ["fee history ending at block 0", "eth_feeHistory", ['"0x5"', '"0x0"', "[50]"], []],
    ["fee history ending at earliest", "eth_feeHistory", ['"0x5"', '"earliest"', "[50]"], []],
    [
      "tx by hash and index in an unknown block",
      "eth_getTransactionByBlockHashAndIndex",
      [UNKNOWN_HASH, MAX_SAFE_HEX],
      [],
    ],
    ["checkpoint at the largest number", "outrigger_checkpoint", [MAX_SAFE], []],
    ["checkpoint 0", "outrigger_checkpoint", ["0"], []],
    ["100 checkpoints from the largest number", "outrigger_checkpoints", [MAX_SAFE, "100"], []],
    ["deposit at the largest nonce", "outrigger_deposit", [MAX_UINT256_HEX], []],
    ["withdrawal proof of the largest id", "outrigger_withdrawalProof", [MAX_UINT256_DEC], [Code.Server]],
    ["status of an unknown transaction", "outrigger_txStatus", [UNKNOWN_HASH], []],
    // Each burns a call's whole gas allowance: costly, but bounded.
    ["a call that loops until out of gas", "eth_call", [`{"data":${LOOP_CODE}}`], CALL_FAILURE],
    ["an estimate that loops until out of gas", "eth_estimateGas", [`{"data":${LOOP_CODE}}`], CALL_FAILURE],
  ];
  return list.map(([name, method, params, codes]) => ({
    transport: "http",
    family: "edges",
    name,
    body: request(method, params),
    expect: resultOr(...codes),
  }));
}
