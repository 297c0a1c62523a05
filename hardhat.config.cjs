// Hardhat 2 reads a CommonJS config in this ESM package. The compiler comes from the pinned `solc` npm package,
// so compiling never downloads anything (CI sandboxes and many users have no route to the compiler mirror).
const path = require("node:path");
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");

const SOLC_VERSION = "0.8.30";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }) => {
  const solcPackage = require("solc/package.json");
  if (solcVersion !== SOLC_VERSION || solcPackage.version !== SOLC_VERSION) {
    throw new Error(
      `only solc ${SOLC_VERSION} from the solc npm package is available offline; ` +
        `config asks for ${solcVersion}, installed package is ${solcPackage.version}`,
    );
  }
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: solcVersion,
    // Loading soljson just to ask its version costs seconds; the package is pinned to this exact build.
    longVersion: "0.8.30+commit.73712a01.Emscripten.clang",
  };
});

/** @type {import("hardhat/config").HardhatUserConfig} */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // Checkpoint submission is the gas-critical path; the IR pipeline compiles its signature loop without stack
      // juggling and makes it about a tenth cheaper. Prague bytecode runs on every current L1 (tstore needs Cancun).
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "prague",
      viaIR: true,
    },
  },
  paths: {
    sources: path.join(__dirname, "contracts"),
    tests: path.join(__dirname, "test", "contracts"),
    artifacts: path.join(__dirname, "artifacts"),
    cache: path.join(__dirname, "cache"),
  },
  networks: {
    hardhat: {
      // Checkpoints with 128 validators are large transactions; keep the in-process chain's limits mainnet-like.
      blockGasLimit: 36_000_000,
    },
    // The sidechain: a devnet validator by default (`npx hardhat run --network outrigger <script>`).
    outrigger: {
      url: process.env.OUTRIGGER_RPC_URL ?? "http://127.0.0.1:8645",
      accounts: process.env.OUTRIGGER_PRIVATE_KEY ? [process.env.OUTRIGGER_PRIVATE_KEY] : [],
    },
  },
};
