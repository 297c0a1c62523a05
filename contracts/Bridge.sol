// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {RateLimiter} from "@openzeppelin/contracts/utils/RateLimiter.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {CheckpointManager} from "./CheckpointManager.sol";
import {TokenMetadata} from "./TokenMetadata.sol";

/**
 * @title Bridge
 * @notice The L1 vault of the Outrigger peg. Deposits lock ETH or ERC20s and are numbered so the sidechain can
 * mint each exactly once; exits release what the sidechain burned, proven against a checkpoint's withdrawals root.
 * Exits above a token's per-transaction limit or beyond its daily limit (a rolling one: a bucket of `daily` that
 * refills linearly over a day) are not refused but queued for one day, which gives the guardian time to freeze
 * them if a bad checkpoint ever got through; the admin then cancels or unfreezes them. An unfrozen queued exit is
 * released by anyone after its delay, or earlier once the limit has room for it. A payment the recipient refuses
 * is credited to it instead, to be claimed later, so no exit is ever stuck.
 */
contract Bridge is AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using RateLimiter for RateLimiter.RefillingBucket;

    /// @notice A withdrawal burned on the sidechain; `token` is the L1 token, the zero address meaning ETH.
    struct Withdrawal {
        uint256 id;
        address token;
        address recipient;
        uint256 amount;
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

    /// @notice May pause deposits, exits and releases, and freeze queued exits. Unpausing, unfreezing and
    /// cancelling are the admin's.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice The time a daily limit takes to refill from empty, and the queue delay.
    uint256 public constant LIMIT_WINDOW = 1 days;

    /// @dev Each token has its own limiter, so every limiter has a single entry.
    bytes32 private constant LIMITER_KEY = bytes32(0);

    /// @notice The token address that stands for ETH in deposits, withdrawals and limits.
    address public constant ETH = address(0);

    /// @notice The CheckpointManager whose withdrawals roots prove exits.
    CheckpointManager public immutable checkpointManager;

    /// @notice The nonce the next deposit gets; nonces start at 0 and have no gaps.
    uint256 public nextDepositNonce;

    /// @notice keccak256(abi.encode(nonce, token, from, to, amount, name, symbol, decimals)) of each deposit.
    mapping(uint256 nonce => bytes32) public depositHash;

    /// @notice True once a withdrawal id was paid, queued or credited; it can never be used again, even if its
    /// queued exit is cancelled.
    mapping(uint256 id => bool) public exited;

    /// @dev Largest exit paid without queueing, per token; 0 means unlimited.
    mapping(address token => uint256) private _perTransactionLimit;

    /// @dev The daily limit of each token, as a bucket of `daily` refilling over LIMIT_WINDOW; a zero capacity
    /// means unlimited.
    mapping(address token => RateLimiter.RefillingBucket) private _dailyLimit;

    /// @notice Queued exits by withdrawal id; `releaseAt` is zero when none is queued.
    mapping(uint256 id => QueuedExit) public queuedExits;

    /// @notice Queued exits the guardian froze: nobody can release them until the admin unfreezes or cancels them.
    mapping(uint256 id => bool) public frozenExits;

    /// @notice Queued exits the admin cancelled; their funds stay in the vault.
    mapping(uint256 id => bool) public cancelledExits;

    /// @notice Exits whose payment the recipient refused, credited to it to claim (per token and recipient).
    mapping(address token => mapping(address account => uint256)) public claimable;

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

    /// @notice A withdrawal was paid out (directly or from the queue), or credited if the payment failed
    /// (then ExitCredited follows).
    event Exited(uint256 indexed id, address indexed token, address indexed recipient, uint256 amount);

    /// @notice A proven withdrawal exceeded a limit and waits until `releaseAt` (or until the limits have room).
    event ExitQueued(
        uint256 indexed id,
        address indexed token,
        address indexed recipient,
        uint256 amount,
        uint256 checkpointNumber,
        uint64 releaseAt
    );

    /// @notice The guardian froze a queued exit.
    event ExitFrozen(uint256 indexed id);

    /// @notice The admin unfroze a queued exit; it can be released again.
    event ExitUnfrozen(uint256 indexed id);

    /// @notice The admin cancelled a queued exit; its funds stay locked in the vault.
    event ExitCancelled(uint256 indexed id, address indexed token, address indexed recipient, uint256 amount);

    /// @notice Paying an exit failed (the recipient refused it), so `amount` was credited to the recipient.
    event ExitCredited(uint256 indexed id, address indexed token, address indexed recipient, uint256 amount);

    /// @notice `account`'s credit of `token` was paid to `to`.
    event Claimed(address indexed token, address indexed account, address indexed to, uint256 amount);

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
    error QueuedExitFrozen(uint256 id);
    error QueuedExitNotFrozen(uint256 id);
    error InvalidRecipient(address recipient);
    error NothingToClaim(address token, address account);

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
        // L1 can never pay these: ETH sent to the zero address is burned, and the bridge cannot claim a credit.
        if (withdrawal.recipient == address(0) || withdrawal.recipient == address(this)) {
            revert InvalidRecipient(withdrawal.recipient);
        }
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
     * @notice Pays out a queued exit once its release time has come, or earlier if it fits the limits now (it is
     * then charged to them as an exit paid at once would be). Anyone may call it; a frozen exit cannot be released.
     * @param id The withdrawal id.
     */
    function releaseQueuedExit(uint256 id) external nonReentrant whenNotPaused {
        QueuedExit memory queued = queuedExits[id];
        if (queued.releaseAt == 0) revert NotQueued(id);
        if (frozenExits[id]) revert QueuedExitFrozen(id);
        // Early release: whoever exits others' withdrawals to use up the limit then holds a small exit back only
        // until the limit has refilled by its amount, not for a whole day.
        if (block.timestamp < queued.releaseAt && !_consumeLimit(queued.token, queued.amount)) {
            revert ExitStillQueued(id, queued.releaseAt);
        }
        delete queuedExits[id];
        _pay(id, queued.token, queued.recipient, queued.amount);
    }

    /**
     * @notice Freezes queued exits (those of a bad checkpoint, say) so that nobody can release them; works while
     * paused. Already frozen ones are left as they are.
     * @param ids The withdrawal ids; each must be queued.
     */
    function freezeQueuedExits(uint256[] calldata ids) external onlyRole(GUARDIAN_ROLE) {
        for (uint256 i; i < ids.length; ++i) {
            uint256 id = ids[i];
            if (queuedExits[id].releaseAt == 0) revert NotQueued(id);
            if (frozenExits[id]) continue;
            frozenExits[id] = true;
            emit ExitFrozen(id);
        }
    }

    /**
     * @notice Lets frozen queued exits be released again, at their original release time.
     * @param ids The withdrawal ids; each must be queued and frozen.
     */
    function unfreezeQueuedExits(uint256[] calldata ids) external onlyRole(DEFAULT_ADMIN_ROLE) {
        for (uint256 i; i < ids.length; ++i) {
            uint256 id = ids[i];
            if (!frozenExits[id]) revert QueuedExitNotFrozen(id);
            delete frozenExits[id];
            emit ExitUnfrozen(id);
        }
    }

    /**
     * @notice Cancels queued exits, frozen or not. Their funds stay locked in the vault and their ids stay exited,
     * so the same proof can never exit them again; the sidechain must issue a new withdrawal to pay them.
     * @param ids The withdrawal ids; each must be queued.
     */
    function cancelQueuedExits(uint256[] calldata ids) external onlyRole(DEFAULT_ADMIN_ROLE) {
        for (uint256 i; i < ids.length; ++i) {
            uint256 id = ids[i];
            QueuedExit memory queued = queuedExits[id];
            if (queued.releaseAt == 0) revert NotQueued(id);
            delete queuedExits[id];
            delete frozenExits[id];
            cancelledExits[id] = true;
            emit ExitCancelled(id, queued.token, queued.recipient, queued.amount);
        }
    }

    /**
     * @notice Pays `recipient`'s credit of `token` to `recipient` (once it accepts the payment). Anyone may call it.
     * @param token The L1 token (zero address for ETH).
     * @param recipient The account credited.
     */
    function claim(address token, address recipient) external nonReentrant whenNotPaused {
        _claim(token, recipient, recipient);
    }

    /**
     * @notice Pays the caller's credit of `token` to `to`, for a recipient that cannot take the payment itself.
     * @param token The L1 token (zero address for ETH).
     * @param to Where to send it.
     */
    function claimTo(address token, address to) external nonReentrant whenNotPaused {
        if (to == address(0)) revert ZeroAddress();
        _claim(token, msg.sender, to);
    }

    /**
     * @notice Sets a token's exit limits; 0 means unlimited. Applies to exits proven (or released early) from now
     * on; what was used of the old daily limit stays used.
     * @param token The L1 token (zero address for ETH).
     * @param perTransaction Largest exit paid without queueing.
     * @param daily Most paid without queueing in any moment's bucket, which refills at `daily` per day.
     */
    function setLimits(address token, uint256 perTransaction, uint256 daily) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setLimits(token, perTransaction, daily);
    }

    /// @notice Stops deposits, exits, releases and claims.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Resumes deposits, exits, releases and claims.
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
     * @notice Whether `releaseQueuedExit(id)` would pay now: queued, not frozen, and due or fitting the limits.
     * @param id The withdrawal id.
     * @return True if it can be released now (while the bridge is not paused).
     */
    function releasable(uint256 id) external view returns (bool) {
        QueuedExit memory queued = queuedExits[id];
        if (queued.releaseAt == 0 || frozenExits[id]) return false;
        if (block.timestamp >= queued.releaseAt) return true;
        uint256 perTransaction = _perTransactionLimit[queued.token];
        if (perTransaction != 0 && queued.amount > perTransaction) return false;
        RateLimiter.RefillingBucket storage daily = _dailyLimit[queued.token];
        return daily._capacity == 0 || queued.amount <= daily.available(LIMITER_KEY);
    }

    /**
     * @notice A token's exit limits; 0 means unlimited.
     * @param token The L1 token (zero address for ETH).
     * @return perTransaction Largest exit paid without queueing.
     * @return daily Capacity of the daily limit.
     */
    function limits(address token) external view returns (uint256 perTransaction, uint256 daily) {
        return (_perTransactionLimit[token], _dailyLimit[token]._capacity);
    }

    /**
     * @notice How much of `token` can exit right now without being queued (the per-transaction limit aside).
     * @param token The L1 token (zero address for ETH).
     * @return The daily limit's current room (type(uint256).max when unlimited).
     */
    function remainingDailyLimit(address token) external view returns (uint256) {
        RateLimiter.RefillingBucket storage daily = _dailyLimit[token];
        if (daily._capacity == 0) return type(uint256).max;
        return daily.available(LIMITER_KEY);
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

    /// @dev True (and the daily limit charged) if the exit fits the limits; false if it must be queued.
    function _consumeLimit(address token, uint256 amount) private returns (bool) {
        uint256 perTransaction = _perTransactionLimit[token];
        if (perTransaction != 0 && amount > perTransaction) return false;
        RateLimiter.RefillingBucket storage daily = _dailyLimit[token];
        if (daily._capacity == 0) return true;
        // A rolling limit: no window boundary lets twice the limit out in a few seconds.
        return daily.tryConsume(LIMITER_KEY, amount);
    }

    /// @dev Pays, or credits the recipient when the payment fails, so that one refusing recipient (a contract
    /// without a receive function, a token's blocklist) never leaves an exit stuck.
    function _pay(uint256 id, address token, address recipient, uint256 amount) private {
        emit Exited(id, token, recipient, amount);
        bool paid = token == ETH
            ? LowLevelCall.callNoReturn(recipient, amount, "")
            : IERC20(token).trySafeTransfer(recipient, amount);
        if (!paid) {
            claimable[token][recipient] += amount;
            emit ExitCredited(id, token, recipient, amount);
        }
    }

    function _claim(address token, address account, address to) private {
        uint256 amount = claimable[token][account];
        if (amount == 0) revert NothingToClaim(token, account);
        delete claimable[token][account];
        emit Claimed(token, account, to, amount);
        if (token == ETH) {
            Address.sendValue(payable(to), amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    function _setLimits(address token, uint256 perTransaction, uint256 daily) private {
        _perTransactionLimit[token] = perTransaction;
        RateLimiter.RefillingBucket storage bucket = _dailyLimit[token];
        // An unlimited token tracks nothing; otherwise settle what the old rate refilled before changing it.
        if (bucket._capacity == 0) bucket.reset(LIMITER_KEY);
        else bucket.sync(LIMITER_KEY);
        bucket.updateSettings(uint48(LIMIT_WINDOW), SafeCast.toUint208(daily));
        emit LimitsSet(token, perTransaction, daily);
    }
}
