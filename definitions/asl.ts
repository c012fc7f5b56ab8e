/**
 * Amazon States Language (JSONPath) vocabulary the deployed state machines are built from: the
 * state shapes, retriers and catchers with their presets, what a Task calls, and the state
 * builders. Nothing here knows a workflow: definitions/payment-workflow.ts and
 * definitions/failover-runbook.ts compose it with their own conventions.
 *
 * The builders emit each state's fields in one fixed order, so a definition's JSON (the state
 * machine's input in the plan) changes only when its content does.
 */

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds: number;
  readonly JitterStrategy: "FULL";
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly ResultPath: string;
  readonly Next: string;
}

export interface TaskState {
  readonly Type: "Task";
  readonly Comment: string;
  readonly Resource: string;
  readonly Parameters: Readonly<Record<string, unknown>>;
  readonly ResultSelector?: Readonly<Record<string, unknown>>;
  readonly ResultPath: string | null;
  readonly TimeoutSeconds?: number;
  readonly Retry: readonly Retrier[];
  readonly Catch: readonly Catcher[];
  readonly Next?: string;
  readonly End?: true;
}

/** A comparison of one variable (the operators the definitions use; add one when one needs it). */
export type Comparison = { readonly Variable: string } & (
  | { readonly BooleanEquals: boolean }
  | { readonly IsNull: boolean }
  | { readonly IsPresent: boolean }
  | { readonly IsString: boolean }
  | { readonly StringEquals: string }
  | { readonly NumericGreaterThanEquals: number }
  | { readonly NumericLessThan: number }
);

export type Condition =
  | Comparison
  | { readonly And: readonly Condition[] }
  | { readonly Or: readonly Condition[] }
  | { readonly Not: Condition };

export type ChoiceRule = Condition & { readonly Next: string };

export interface ChoiceState {
  readonly Type: "Choice";
  readonly Comment: string;
  readonly Choices: readonly ChoiceRule[];
  readonly Default: string;
}

export interface WaitState {
  readonly Type: "Wait";
  readonly Comment: string;
  readonly Seconds: number;
  readonly Next: string;
}

/** What a Pass state puts at its ResultPath: a fixed Result, or Parameters read from the input. */
export interface PassFields {
  readonly Result?: unknown;
  readonly Parameters?: Readonly<Record<string, unknown>>;
  readonly ResultPath: string;
}

export interface PassState extends PassFields {
  readonly Type: "Pass";
  readonly Comment: string;
  readonly Next: string;
}

export interface SucceedState {
  readonly Type: "Succeed";
  readonly Comment: string;
}

export interface FailState {
  readonly Type: "Fail";
  readonly Comment: string;
  readonly Error: string;
  readonly Cause: string;
}

export type State = TaskState | ChoiceState | WaitState | PassState | SucceedState | FailState;

export interface StateMachineDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly TimeoutSeconds: number;
  readonly States: Readonly<Record<string, State>>;
}

/** Exponential backoff (doubling from `IntervalSeconds`, capped) with full jitter. */
function backoff(
  errors: readonly string[],
  intervalSeconds: number,
  maxAttempts: number,
  maxDelaySeconds: number,
): Retrier {
  return {
    ErrorEquals: errors,
    IntervalSeconds: intervalSeconds,
    MaxAttempts: maxAttempts,
    BackoffRate: 2,
    MaxDelaySeconds: maxDelaySeconds,
    JitterStrategy: "FULL",
  };
}

export const RETRY_ATTEMPTS = 4;

/** Exponential backoff (1, 2, 4, … s, at most 20 s) with full jitter, `RETRY_ATTEMPTS` retries. */
export function retryTransient(errors: readonly string[]): Retrier {
  return backoff(errors, 1, RETRY_ATTEMPTS, 20);
}

/** Any error, `maxAttempts` retries, backoff from `intervalSeconds` (at most 10 s) with full jitter. */
export function retryAny(maxAttempts: number, intervalSeconds = 2): Retrier {
  return backoff(["States.ALL"], intervalSeconds, maxAttempts, 10);
}

/**
 * After money moved: any error, 6 retries, backoff from 5 s doubling to at most 120 s, full jitter
 * (at most 275 s of waiting). A step after the ledger entry must not give up on a blip.
 */
export function retryLong(): Retrier {
  return backoff(["States.ALL"], 5, 6, 120);
}

/** Errors that are answers, not failures: never retried (a Retrier with MaxAttempts 0). */
export function noRetry(errors: readonly string[]): Retrier {
  return backoff(errors, 1, 0, 1);
}

/** Errors worth retrying, per integration (Step Functions names them Service.ErrorException). */
export const TRANSIENT_ERRORS = {
  lambda: [
    "Lambda.TooManyRequestsException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
  ],
  rdsData: [
    "RdsData.ServiceUnavailableErrorException",
    "RdsData.StatementTimeoutException",
    "RdsData.InternalServerErrorException",
    "RdsData.DatabaseUnavailableException",
    "RdsData.DatabaseResumingException",
  ],
  dynamodb: [
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.ThrottlingException",
    "DynamoDB.RequestLimitExceededException",
    "DynamoDB.InternalServerErrorException",
  ],
  s3: ["S3.SlowDownException", "S3.InternalErrorException", "S3.ServiceUnavailableException"],
  eventBridge: ["EventBridge.ThrottlingException", "EventBridge.InternalException"],
} as const;

/** Catch `errors` (those left after the retries), keep the error at `resultPath`, go to `next`. */
export const catchOn = (
  errors: readonly string[],
  next: string,
  resultPath = "$.error",
): Catcher => ({
  ErrorEquals: errors,
  ResultPath: resultPath,
  Next: next,
});

/** Catch every error (what is left after the retries), keep it at `resultPath` and go to `next`. */
export const catchAll = (next: string, resultPath = "$.error"): Catcher => ({
  ErrorEquals: ["States.ALL"],
  ResultPath: resultPath,
  Next: next,
});

/** What a Task calls: its resource, and the parameters it passes. */
export interface TaskCall {
  readonly resource: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** Invoke a Lambda function with `payload`; its result is the response, the payload at `$.Payload`. */
export const lambdaInvoke = (functionArn: string, payload: Record<string, unknown>): TaskCall => ({
  resource: "arn:aws:states:::lambda:invoke",
  parameters: { FunctionName: functionArn, Payload: payload },
});

/** An optimized integration (`dynamodb:putItem`, `events:putEvents`, `sns:publish`, …). */
export const optimized = (
  service: string,
  action: string,
  parameters: Record<string, unknown>,
): TaskCall => ({ resource: `arn:aws:states:::${service}:${action}`, parameters });

/** An AWS SDK integration: any API action (result members named as in the Java SDK v2). */
export const awsSdk = (
  service: string,
  action: string,
  parameters: Record<string, unknown>,
): TaskCall => ({ resource: `arn:aws:states:::aws-sdk:${service}:${action}`, parameters });

export interface TaskFields {
  readonly comment: string;
  readonly call: TaskCall;
  readonly resultSelector?: Record<string, unknown>;
  readonly resultPath: string | null;
  /** Without one, Step Functions lets the Task run as long as the execution. */
  readonly timeoutSeconds?: number;
  readonly retry: readonly Retrier[];
  readonly catch: readonly Catcher[];
  readonly next: string;
}

export function taskState(fields: TaskFields): TaskState {
  return {
    Type: "Task",
    Comment: fields.comment,
    Resource: fields.call.resource,
    Parameters: fields.call.parameters,
    ...(fields.resultSelector === undefined ? {} : { ResultSelector: fields.resultSelector }),
    ResultPath: fields.resultPath,
    ...(fields.timeoutSeconds === undefined ? {} : { TimeoutSeconds: fields.timeoutSeconds }),
    Retry: fields.retry,
    Catch: fields.catch,
    Next: fields.next,
  };
}

export const passState = (comment: string, fields: PassFields, next: string): PassState => ({
  Type: "Pass",
  Comment: comment,
  ...fields,
  Next: next,
});
