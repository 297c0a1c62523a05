/**
 * The contract interfaces of both chains as human-readable ABI fragments: the L1 contracts the node and the
 * bridge call, and the sidechain's system contracts (DESIGN.md §4) that the app serves and clients call. Keeping
 * the L1 ones here instead of reading hardhat artifacts lets a node run without compiled contracts; a contract
 * test checks every L1 fragment against the compiled ABI, so the two cannot drift apart.
 */

export const L1_BRIDGE_ABI = [
  "function nextDepositNonce() view returns (uint256)",
  "function depositHash(uint256 nonce) view returns (bytes32)",
  "function exited(uint256 id) view returns (bool)",
  "function queuedExits(uint256 id) view returns (address token, uint64 releaseAt, address recipient, uint256 amount)",
  "function checkpointManager() view returns (address)",
  "function depositETH(address l2Recipient) payable returns (uint256 nonce)",
  "function depositERC20(address token, uint256 amount, address l2Recipient) returns (uint256 nonce)",
  "function exit(uint256 checkpointNumber, (uint256 id, address token, address recipient, uint256 amount) withdrawal, bytes32[] proof) returns (bool paid)",
  "function releaseQueuedExit(uint256 id)",
  "function releasable(uint256 id) view returns (bool)",
  "function frozenExits(uint256 id) view returns (bool)",
  "function cancelledExits(uint256 id) view returns (bool)",
  "function claimable(address token, address account) view returns (uint256)",
  "function claim(address token, address recipient)",
  "function claimTo(address token, address to)",
  "event Deposited(uint256 indexed nonce, address indexed token, address indexed from, address to, uint256 amount, string name, string symbol, uint8 decimals)",
  "event Exited(uint256 indexed id, address indexed token, address indexed recipient, uint256 amount)",
  "event ExitQueued(uint256 indexed id, address indexed token, address indexed recipient, uint256 amount, uint256 checkpointNumber, uint64 releaseAt)",
  "event ExitFrozen(uint256 indexed id)",
  "event ExitUnfrozen(uint256 indexed id)",
  "event ExitCancelled(uint256 indexed id, address indexed token, address indexed recipient, uint256 amount)",
  "event ExitCredited(uint256 indexed id, address indexed token, address indexed recipient, uint256 amount)",
  "event Claimed(address indexed token, address indexed account, address indexed to, uint256 amount)",
] as const;

export const CHECKPOINT_MANAGER_ABI = [
  "function sidechainId() view returns (uint256)",
  "function validatorSetHash() view returns (bytes32)",
  "function lastCheckpointNumber() view returns (uint64)",
  "function lastEndHeight() view returns (uint64)",
  "function getCheckpoint(uint256 number) view returns ((bytes32 checkpointHash, bytes32 withdrawalsRoot))",
  "function submitCheckpoint((uint256 sidechainId, uint256 number, uint64 startHeight, uint64 endHeight, bytes32 blocksRoot, bytes32 withdrawalsRoot, bytes32 nextValidatorSetHash) checkpoint, bytes validatorSet, bytes signerIndices, bytes signatures, bytes nextValidatorSet)",
  "event CheckpointSubmitted(uint256 indexed number, uint64 startHeight, uint64 endHeight, bytes32 blocksRoot, bytes32 withdrawalsRoot, bytes32 nextValidatorSetHash)",
] as const;

export const L1_ERC20_ABI = [
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function balanceOf(address owner) view returns (uint256)",
  "function totalSupply() view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function transfer(address to, uint256 amount) returns (bool)",
] as const;

/** CheckpointManager's custom errors, so a revert reads "CheckpointNumberGap(4, 3)" instead of raw data. */
export const CHECKPOINT_MANAGER_ERRORS = [
  "error SidechainIdMismatch(uint256 expected, uint256 actual)",
  "error CheckpointNumberGap(uint256 expected, uint256 actual)",
  "error StartHeightGap(uint64 expected, uint64 actual)",
  "error InvalidHeightRange(uint64 startHeight, uint64 endHeight)",
  "error ZeroValidatorSetHash()",
  "error MalformedValidatorSet(uint256 length)",
  "error ValidatorSetHashMismatch(bytes32 expected, bytes32 actual)",
  "error NextValidatorSetHashMismatch(bytes32 expected, bytes32 actual)",
  "error UnexpectedNextValidatorSet()",
  "error EmptyValidatorSet()",
  "error ValidatorsNotSorted(uint256 index)",
  "error ZeroPowerValidator(uint256 index)",
  "error TotalPowerAboveCap(uint256 totalPower)",
  "error MalformedSignatures(uint256 indexBytes, uint256 signatureBytes)",
  "error SignerIndicesNotAscending(uint256 position)",
  "error SignerIndexOutOfRange(uint256 position, uint256 index)",
  "error InvalidSignatureV(uint256 position, uint8 v)",
  "error HighSSignature(uint256 position)",
  "error InvalidSignature(uint256 position)",
  "error SignerMismatch(uint256 position, address expected, address recovered)",
  "error InsufficientSignedPower(uint256 signedPower, uint256 totalPower)",
] as const;

/** Bridge's custom errors (its own and those of the OpenZeppelin code it runs). */
export const L1_BRIDGE_ERRORS = [
  "error ZeroAddress()",
  "error ZeroAmount()",
  "error UnknownCheckpoint(uint256 checkpointNumber)",
  "error EmptyWithdrawalsRoot(uint256 checkpointNumber)",
  "error InvalidWithdrawalProof(uint256 id)",
  "error AlreadyExited(uint256 id)",
  "error NotQueued(uint256 id)",
  "error ExitStillQueued(uint256 id, uint64 releaseAt)",
  "error QueuedExitFrozen(uint256 id)",
  "error QueuedExitNotFrozen(uint256 id)",
  "error InvalidRecipient(address recipient)",
  "error NothingToClaim(address token, address account)",
  "error FailedCall()",
  "error EnforcedPause()",
  "error SafeERC20FailedOperation(address token)",
] as const;

/**
 * Every sidechain token (bridged or native) answers to the whole of ERC20 and EIP-2612 permit (with EIP-5267's
 * eip712Domain), and reverts with OpenZeppelin 5's custom errors, so it reads to wallets and contracts as an
 * OpenZeppelin ERC20Permit token does.
 */
export const SIDECHAIN_TOKEN_ABI = [
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function totalSupply() view returns (uint256)",
  "function balanceOf(address owner) view returns (uint256)",
  "function transfer(address to, uint256 amount) returns (bool)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 value) returns (bool)",
  "function transferFrom(address from, address to, uint256 value) returns (bool)",
  "function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)",
  "function nonces(address owner) view returns (uint256)",
  "function DOMAIN_SEPARATOR() view returns (bytes32)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
  "event Transfer(address indexed from, address indexed to, uint256 value)",
  "event Approval(address indexed owner, address indexed spender, uint256 value)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InvalidSender(address sender)",
  "error ERC20InvalidReceiver(address receiver)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC20InvalidApprover(address approver)",
  "error ERC20InvalidSpender(address spender)",
  "error ERC2612ExpiredSignature(uint256 deadline)",
  "error ERC2612InvalidSigner(address signer, address owner)",
  // OpenZeppelin's ECDSA.recover, which ERC20Permit.permit calls, reverts with these before the signer check.
  "error ECDSAInvalidSignature()",
  "error ECDSAInvalidSignatureS(bytes32 s)",
] as const;

export const SIDECHAIN_BRIDGE_ABI = [
  "function withdraw(address l2Token, uint256 amount, address l1Recipient) returns (uint256 id)",
  "event WithdrawalInitiated(uint256 indexed id, address indexed l1Token, address indexed l1Recipient, uint256 amount, address from)",
  "event TokenCreated(address indexed l2Token, address indexed l1Token, string name, string symbol, uint8 decimals)",
] as const;

export const STAKING_ABI = [
  "function stake(uint256 amount)",
  "function unstake(uint256 amount)",
  "function withdrawUnbonded() returns (uint256 amount)",
  "function stakeOf(address validator) view returns (uint256)",
  "function unbondingOf(address validator) view returns (uint256 pending, uint256 withdrawable)",
  "function unjail()",
  "function signingInfo(address validator) view returns (bool jailed, uint64 jailedUntil, uint256 slashed, uint64 missedInWindow)",
  "event Staked(address indexed validator, uint256 amount, uint256 stake)",
  "event Unstaked(address indexed validator, uint256 amount, uint256 releaseEpoch)",
  "event UnbondedWithdrawn(address indexed validator, uint256 amount)",
  "event Unjailed(address indexed validator)",
] as const;

/**
 * The gas pool (an account, not a contract) logs its grants to bridged users in the receipt of the deposit
 * that paid them (DESIGN.md §4), so wallets and indexers see where a new account's first native token came from.
 */
export const GAS_POOL_ABI = ["event GasGranted(address indexed recipient, uint256 amount)"] as const;
