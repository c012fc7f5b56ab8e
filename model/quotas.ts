/**
 * Account quotas and service rates the program's sizing answers to, and the one timing the handlers
 * and the rules share (how long a handler trusts the active-region flag). Plain data with no
 * imports: the config module, the handlers (serialized into Lambda) and the pack read it.
 */

/**
 * Lambda refuses a reserved concurrency that leaves fewer than 100 of the account's concurrent
 * executions unreserved, and new accounts often have a quota of 10-50, not the documented default
 * of 1,000 (Lambda Developer Guide, "Configuring reserved concurrency" and "Lambda quotas":
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). Service Quotas code of
 * "Concurrent executions": L-B99A9384.
 */
export const UNRESERVED_CONCURRENCY = 100;
export const LAMBDA_CONCURRENCY_QUOTA_CODE = "L-B99A9384";

/**
 * Parameter Store's GetParameter throughput per account and region: 40 transactions per second by
 * default, shared with GetParameters and GetParametersByPath; 3,000 with higher throughput turned on
 * (a paid service setting, /ssm/parameter-store/high-throughput-enabled) (AWS Systems Manager User
 * Guide, "Changing Parameter Store throughput":
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html).
 */
export const PARAMETER_STORE_TPS = { standard: 40, high: 3_000 } as const;
/** The share of that throughput the program's own flag reads may take at full concurrency. */
export const PARAMETER_STORE_SHARE = 0.5;

/**
 * How long a handler trusts the active-region flag it read: each read draws its time to live
 * between these, so environments that started together do not read together again. A failover
 * fences writes within the longest.
 */
export const ACTIVE_REGION_CACHE_MS = 5_000;
export const ACTIVE_REGION_CACHE_MAX_MS = 7_500;

/** WAF's rate-based rules count requests over this window (the program's choice, 60-600 s). */
export const WAF_EVALUATION_WINDOW_SECONDS = 300;
