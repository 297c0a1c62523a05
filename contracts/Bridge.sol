// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {CheckpointManager} from "./CheckpointManager.sol";
import {TokenMetadata} from "./TokenMetadata.sol";

/**
 * @title Bridge
 * @notice The L1 vault of the Outrigger peg. Deposits lock ETH or ERC20s and are numbered so the sidechain can
 * mint each exactly once; exits release what the sidechain burned, proven against a checkpoint's withdrawals root.
 * Exits above a token's per-transaction limit or beyond its daily limit are not refused but queued for one limit
 * window, which gives the guardian time to pause if a bad checkpoint ever got through; after that anyone can
 * release them, so funds are never stuck for good.
 */
contract Bridge is AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice A withdrawal burned on the sidechain; `token` is the L1 token, the zero address meaning ETH.
    struct Withdrawal {
        uint256 id;
        address token;
        address recipient;
        uint256 amount;
    }

    /// @notice Per-token exit limits in the token's base units; 0 means unlimited.
    struct TokenLimit {
        uint256 perTransaction;
        uint256 daily;
    }

    /// @notice A limit setting for the constructor.
    struct InitialLimit {
        address token;
        uint256 perTransaction;
        uint256 daily;
    }

    /// @notice An exit waiting for its release time.
    struct QueuedExit {
        address token;
        uint64 releaseAt;
        address recipient;
        uint256 amount;
    }

    /// @notice May pause deposits, exits and releases. Unpausing is the admin's.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Length of a daily-limit window (windows are aligned to the UNIX epoch) and of the queue delay.
    uint256 public constant LIMIT_WINDOW = 1 days;

    /// @notice The token address that stands for ETH in deposits, withdrawals and limits.
    address public constant ETH = address(0);

    /// @notice The CheckpointManager whose withdrawals roots prove exits.
    CheckpointManager public immutable checkpointManager;

    /// @notice The nonce the next deposit gets; nonces start at 0 and have no gaps.
    uint256 public nextDepositNonce;

    /// @notice keccak256(abi.encode(nonce, token, from, to, amount, name, symbol, decimals)) of each deposit.
    mapping(uint256 nonce => bytes32) public depositHash;

    /// @notice True once a withdrawal id was paid or queued; it can never be used again.
    mapping(uint256 id => bool) public exited;

    /// @notice Exit limits per L1 token.
    mapping(address token => TokenLimit) public limits;

    /// @notice Amount exited without queueing per token and window (`block.timestamp / LIMIT_WINDOW`).
    mapping(address token => mapping(uint256 window => uint256)) public exitedInWindow;

    /// @notice Queued exits by withdrawal id; `releaseAt` is zero when none is queued.
    mapping(uint256 id => QueuedExit) public queuedExits;

    /// @notice A deposit was locked; the sidechain credits `amount` of `token` to `to`.
    event Deposited(
        uint256 indexed nonce,
        address indexed token,
        address indexed from,
        address to,
        uint256 amount,
        string name,
        string symbol,
        uint8 decimals
    );

    /// @notice A withdrawal was paid out (directly or from the queue).
    event Exited(uint256 indexed id, address indexed token, address indexed recipient, uint256 amount);

    /// @notice A proven withdrawal exceeded a limit and waits until `releaseAt`.
    event ExitQueued(
        uint256 indexed id,
        address indexed token,
        address indexed recipient,
        uint256 amount,
        uint256 checkpointNumber,
        uint64 releaseAt
    );

    /// @notice The admin changed a token's exit limits.
    event LimitsSet(address indexed token, uint256 perTransaction, uint256 daily);

    error ZeroAddress();
    error ZeroAmount();
    error UnknownCheckpoint(uint256 checkpointNumber);
    error EmptyWithdrawalsRoot(uint256 checkpointNumber);
    error InvalidWithdrawalProof(uint256 id);
    error AlreadyExited(uint256 id);
    error NotQueued(uint256 id);
    error ExitStillQueued(uint256 id, uint64 releaseAt);

    /**
     * @param checkpointManager_ The CheckpointManager of the same sidechain.
     * @param admin Holder of the admin role (limits, unpause, role management).
     * @param guardian Holder of the guardian role (pause).
     * @param initialLimits Exit limits to start with; tokens not listed are unlimited.
     */
    constructor(
        CheckpointManager checkpointManager_,
        address admin,
        address guardian,
        InitialLimit[] memory initialLimits
    ) {
        if (address(checkpointManager_) == address(0) || admin == address(0) || guardian == address(0)) {
            revert ZeroAddress();
        }
        checkpointManager = checkpointManager_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
        for (uint256 i; i < initialLimits.length; ++i) {
            InitialLimit memory l = initialLimits[i];
            _setLimits(l.token, l.perTransaction, l.daily);
        }
    }

    /**
     * @notice Locks the ETH sent and records a deposit for `l2Recipient` on the sidechain.
     * @param l2Recipient The sidechain account to credit.
     * @return nonce The deposit's nonce.
     */
    function depositETH(address l2Recipient) external payable nonReentrant whenNotPaused returns (uint256 nonce) {
        if (msg.value == 0) revert ZeroAmount();
        return _recordDeposit(ETH, l2Recipient, msg.value, "Ether", "ETH", 18);
    }

    /**
     * @notice Locks `amount` of `token` (approved beforehand) and records a deposit of what actually arrived.
     * @param token The ERC20 to lock.
     * @param amount The amount to pull from the sender.
     * @param l2Recipient The sidechain account to credit.
     * @return nonce The deposit's nonce.
     */
    function depositERC20(address token, uint256 amount, address l2Recipient)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 nonce)
    {
        if (token == ETH) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        uint256 balanceBefore = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 balanceAfter = IERC20(token).balanceOf(address(this));
        // Fee-on-transfer and other odd tokens deliver less than asked; credit only what arrived.
        if (balanceAfter <= balanceBefore) revert ZeroAmount();
        (string memory name, string memory symbol, uint8 decimals) = TokenMetadata.read(token);
        return _recordDeposit(token, l2Recipient, balanceAfter - balanceBefore, name, symbol, decimals);
    }

    /**
     * @notice Pays out a withdrawal proven against checkpoint `checkpointNumber`, or queues it if it exceeds
     * the token's limits. Anyone may call it; the funds always go to `withdrawal.recipient`.
     * @param checkpointNumber The checkpoint whose withdrawals root contains the withdrawal.
     * @param withdrawal The withdrawal as the sidechain recorded it.
     * @param proof The Merkle proof of the withdrawal's leaf (OpenZeppelin standard tree).
     * @return paid True if paid now, false if queued.
     */
    function exit(uint256 checkpointNumber, Withdrawal calldata withdrawal, bytes32[] calldata proof)
        external
        nonReentrant
        whenNotPaused
        returns (bool paid)
    {
        if (exited[withdrawal.id]) revert AlreadyExited(withdrawal.id);
        bytes32 root = _withdrawalsRoot(checkpointNumber);
        if (!MerkleProof.verifyCalldata(proof, root, withdrawalLeaf(withdrawal))) {
            revert InvalidWithdrawalProof(withdrawal.id);
        }
        exited[withdrawal.id] = true;
        if (_consumeLimit(withdrawal.token, withdrawal.amount)) {
            _pay(withdrawal.id, withdrawal.token, withdrawal.recipient, withdrawal.amount);
            return true;
        }
        uint64 releaseAt = uint64(block.timestamp + LIMIT_WINDOW);
        queuedExits[withdrawal.id] = QueuedExit({
            token: withdrawal.token,
            releaseAt: releaseAt,
            recipient: withdrawal.recipient,
            amount: withdrawal.amount
        });
        emit ExitQueued(
            withdrawal.id, withdrawal.token, withdrawal.recipient, withdrawal.amount, checkpointNumber, releaseAt
        );
        return false;
    }

    /**
     * @notice Pays out a queued exit once its release time has come. Anyone may call it.
     * @param id The withdrawal id.
     */
    function releaseQueuedExit(uint256 id) external nonReentrant whenNotPaused {
        QueuedExit memory queued = queuedExits[id];
        if (queued.releaseAt == 0) revert NotQueued(id);
        if (block.timestamp < queued.releaseAt) revert ExitStillQueued(id, queued.releaseAt);
        delete queuedExits[id];
        _pay(id, queued.token, queued.recipient, queued.amount);
    }

    /**
     * @notice Sets a token's exit limits; 0 means unlimited. Applies to exits proven from now on.
     * @param token The L1 token (zero address for ETH).
     * @param perTransaction Largest exit paid without queueing.
     * @param daily Total paid without queueing per window.
     */
    function setLimits(address token, uint256 perTransaction, uint256 daily) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setLimits(token, perTransaction, daily);
    }

    /// @notice Stops deposits, exits and releases.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Resumes deposits, exits and releases.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /**
     * @notice The Merkle leaf of a withdrawal: OpenZeppelin's standard double hash of
     * abi.encode(uint256 id, address token, address recipient, uint256 amount).
     * @param withdrawal The withdrawal.
     * @return The leaf.
     */
    function withdrawalLeaf(Withdrawal calldata withdrawal) public pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                keccak256(abi.encode(withdrawal.id, withdrawal.token, withdrawal.recipient, withdrawal.amount))
            )
        );
    }

    /**
     * @notice How much of `token` can still exit in the current window without being queued.
     * @param token The L1 token (zero address for ETH).
     * @return The remaining allowance of the current window (type(uint256).max when unlimited).
     */
    function remainingDailyLimit(address token) external view returns (uint256) {
        uint256 daily = limits[token].daily;
        if (daily == 0) return type(uint256).max;
        uint256 used = exitedInWindow[token][block.timestamp / LIMIT_WINDOW];
        return used >= daily ? 0 : daily - used;
    }

    function _recordDeposit(
        address token,
        address to,
        uint256 amount,
        string memory name,
        string memory symbol,
        uint8 decimals
    ) private returns (uint256 nonce) {
        if (to == address(0)) revert ZeroAddress();
        nonce = nextDepositNonce++;
        // The metadata is hashed too, so a relayer cannot attach a made-up name to a newly mapped token.
        depositHash[nonce] = keccak256(abi.encode(nonce, token, msg.sender, to, amount, name, symbol, decimals));
        emit Deposited(nonce, token, msg.sender, to, amount, name, symbol, decimals);
    }

    function _withdrawalsRoot(uint256 checkpointNumber) private view returns (bytes32) {
        CheckpointManager.CheckpointRecord memory record = checkpointManager.getCheckpoint(checkpointNumber);
        if (record.checkpointHash == bytes32(0)) revert UnknownCheckpoint(checkpointNumber);
        // A checkpoint without withdrawals has a zero root; refusing it outright beats relying on hashing.
        if (record.withdrawalsRoot == bytes32(0)) revert EmptyWithdrawalsRoot(checkpointNumber);
        return record.withdrawalsRoot;
    }

    /// @dev True (and the window charged) if the exit fits the limits; false if it must be queued.
    function _consumeLimit(address token, uint256 amount) private returns (bool) {
        TokenLimit memory limit = limits[token];
        if (limit.perTransaction != 0 && amount > limit.perTransaction) return false;
        if (limit.daily == 0) return true;
        uint256 window = block.timestamp / LIMIT_WINDOW;
        uint256 used = exitedInWindow[token][window];
        // Compared as a difference so that no amount, however large, can overflow into a revert.
        if (used > limit.daily || amount > limit.daily - used) return false;
        exitedInWindow[token][window] = used + amount;
        return true;
    }

    function _pay(uint256 id, address token, address recipient, uint256 amount) private {
        emit Exited(id, token, recipient, amount);
        if (token == ETH) {
            Address.sendValue(payable(recipient), amount);
        } else {
            IERC20(token).safeTransfer(recipient, amount);
        }
    }

    function _setLimits(address token, uint256 perTransaction, uint256 daily) private {
        limits[token] = TokenLimit({perTransaction: perTransaction, daily: daily});
        emit LimitsSet(token, perTransaction, daily);
    }
}
