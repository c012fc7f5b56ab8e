/**
 * The payment workflow's definition (Amazon States Language, JSONPath, from definitions/asl.ts).
 * One execution settles one payment, and any number of executions of the same payment settle it
 * once: the money-path rules live here and in the conditions of its writes.
 *
 *   read the payment (consistent) → settled already? stop → authorize (the Lambda also answers
 *   whether this region is the active one) → not active here? stop, the payment stays RECEIVED →
 *   declined? mark FAILED, only while no ledger step was ever attempted → the ledger answers here
 *   (a Data API call succeeds only on the global writer) → mark the ledger attempted → record the
 *   ledger entry → mark COMPLETED → write the receipt → publish PaymentCompleted.
 *
 * The rules:
 * - Status moves only forward (RECEIVED → COMPLETED | FAILED), by conditional updates; a
 *   terminal status never changes.
 * - FAILED only while no ledger entry can exist: the decline's update requires that the ledger
 *   step was never attempted (`ledgerAttemptedAt` is set, conditionally, before the first one).
 * - From the ledger step on, every step retries any error with long bounded backoff and then
 *   parks the payment on the region's repair queue (delivered again after 15 minutes, alarmed),
 *   never FAILED. A re-run of a payment whose ledger step was attempted skips the decision: the
 *   ledger's unique key makes the entry happen at most once.
 * - Where this region is not the active writer (flag or ledger), or a step before the ledger
 *   fails, nothing is written: the payment stays RECEIVED for the active region to re-drive.
 * - The ledger entry, the receipt and the event are built from the payments table's record (the
 *   API's), not from the message that started the execution.
 */
import {
  awsSdk,
  catchAll,
  catchOn,
  lambdaInvoke,
  noRetry,
  optimized,
  passState,
  retryLong,
  retryTransient,
  type State,
  type StateMachineDefinition,
  type TaskCall,
  type TaskState,
  taskState,
  TRANSIENT_ERRORS,
} from "./asl";
import { taskWorstCase } from "../model/recovery";

export type WorkflowDefinition = StateMachineDefinition;

/** Where the workflow's steps act; every one is in the workflow's own region. */
export interface WorkflowTargets {
  readonly authorizeFunctionArn: string;
  /** The authorize function's own timeout: the Task waits a little longer. */
  readonly authorizeTimeoutSeconds: number;
  readonly tableName: string;
  readonly clusterArn: string;
  readonly credentialsSecretArn: string;
  readonly database: string;
  readonly receiptsBucket: string;
  readonly eventBusName: string;
  /** The region's repair queue: payments parked after their ledger step. */
  readonly repairQueueUrl: string;
  readonly region: string;
}

/** The payment's status values, and the error a failed condition raises (DynamoDB integration). */
const RECEIVED = "RECEIVED";
export const CONDITION_FAILED = "DynamoDB.ConditionalCheckFailedException";
/** An AWS call from the workflow: a healthy API answers in well under a second. */
const AWS_CALL_TIMEOUT_SECONDS = 10;
/**
 * A parked payment is delivered to the processor again after SQS's longest message delay, 15
 * minutes (SendMessage `DelaySeconds`, 0-900:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
 */
export const REPAIR_DELAY_SECONDS = 900;

/** The Fail states that leave the payment RECEIVED (nothing moved, nothing marked). */
export const LEFT_RECEIVED = {
  notActiveHere: "Payment.NotActiveHere",
  leftForRedrive: "Payment.LeftForRedrive",
  parked: "Payment.Parked",
  unknown: "Payment.Unknown",
} as const;

interface Flow {
  readonly next: string;
  readonly retry: TaskState["Retry"];
  readonly catch: TaskState["Catch"];
  readonly resultPath?: string | null;
  readonly resultSelector?: Record<string, unknown>;
  readonly timeoutSeconds?: number;
}

function task(comment: string, call: TaskCall, flow: Flow): TaskState {
  return taskState({
    comment,
    call,
    resultSelector: flow.resultSelector,
    resultPath: flow.resultPath === undefined ? null : flow.resultPath,
    timeoutSeconds: flow.timeoutSeconds ?? AWS_CALL_TIMEOUT_SECONDS,
    retry: flow.retry,
    catch: flow.catch,
    next: flow.next,
  });
}

/** Before the ledger: transient errors retry briefly; anything else leaves the payment RECEIVED. */
const beforeLedger = (transient: readonly string[], next: string) => ({
  next,
  retry: [retryTransient(transient)],
  catch: [catchAll("LeftForRedrive")],
});

/** From the ledger step on: any error retries long, then the payment is parked. */
const afterLedger = (next: string) => ({
  next,
  retry: [retryLong()],
  catch: [catchAll("DescribeRepair")],
});

/** A conditional update of the payment: `condition` guards it, `values` fill its placeholders. */
function updatePayment(
  targets: WorkflowTargets,
  update: string,
  condition: string,
  values: Record<string, unknown>,
): TaskCall {
  return optimized("dynamodb", "updateItem", {
    TableName: targets.tableName,
    Key: { paymentId: { "S.$": "$.payment.paymentId" } },
    ConditionExpression: condition,
    UpdateExpression: update,
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: {
      ":received": { S: RECEIVED },
      ":at": { "S.$": "$$.State.EnteredTime" },
      ...values,
    },
  });
}

function publish(
  targets: WorkflowTargets,
  detailType: "PaymentCompleted" | "PaymentFailed",
  detail: Record<string, unknown>,
): TaskCall {
  return optimized("events", "putEvents", {
    Entries: [
      {
        EventBusName: targets.eventBusName,
        Source: "payments.workflow",
        DetailType: detailType,
        ...detail,
      },
    ],
  });
}

/** The stored payment's fields (DynamoDB JSON), as the ledger, the receipt and the event carry them. */
const ITEM = "$.record.Item";

/** The stored payment's attributes the workflow reads (names, so reserved words need no care). */
const RECORD_FIELDS = [
  "paymentId",
  "merchantId",
  "customerId",
  "amountMinor",
  "currency",
  "createdAt",
  "status",
  "ledgerAttemptedAt",
] as const;

export function paymentWorkflowDefinition(targets: WorkflowTargets): WorkflowDefinition {
  const ledger = {
    ResourceArn: targets.clusterArn,
    SecretArn: targets.credentialsSecretArn,
    Database: targets.database,
  };
  const states: Record<string, State> = {
    CheckInput: {
      Type: "Choice",
      Comment: "An execution names its payment; a Choice that read an absent id would fail it.",
      Choices: [
        { Not: { Variable: "$.payment.paymentId", IsPresent: true }, Next: "Invalid" },
        { Not: { Variable: "$.payment.paymentId", IsString: true }, Next: "Invalid" },
      ],
      Default: "ReadPayment",
    },
    ReadPayment: task(
      "The payment as the API recorded it, read consistently: its status decides what is left to do.",
      optimized("dynamodb", "getItem", {
        TableName: targets.tableName,
        Key: { paymentId: { "S.$": "$.payment.paymentId" } },
        ConsistentRead: true,
        // Every field the workflow reads, and not the payment method: a Task's raw result is in
        // the execution's history (TaskSucceeded), so the token must not be in it.
        ProjectionExpression: `${RECORD_FIELDS.map((f) => `#${f}`).join(", ")}`,
        ExpressionAttributeNames: Object.fromEntries(RECORD_FIELDS.map((f) => [`#${f}`, f])),
      }),
      { ...beforeLedger(TRANSIENT_ERRORS.dynamodb, "Recorded?"), resultPath: "$.record" },
    ),
    "Recorded?": {
      Type: "Choice",
      Comment: "Only a RECEIVED payment is settled; a settled one is left as it is.",
      Choices: [
        // GetItem answers no Item for an unknown key.
        { Not: { Variable: ITEM, IsPresent: true }, Next: "Unknown" },
        { Not: { Variable: `${ITEM}.status.S`, IsPresent: true }, Next: "Unknown" },
        { Not: { Variable: `${ITEM}.status.S`, StringEquals: RECEIVED }, Next: "AlreadySettled" },
      ],
      Default: "Authorize",
    },
    Authorize: task(
      "Validate the payment, apply the authorization rules, and say whether this region is the active one (Lambda).",
      lambdaInvoke(targets.authorizeFunctionArn, { "payment.$": "$.payment" }),
      {
        ...beforeLedger(TRANSIENT_ERRORS.lambda, "Admitted?"),
        resultPath: "$.authorization",
        resultSelector: {
          "activeHere.$": "$.Payload.activeHere",
          "approved.$": "$.Payload.approved",
          "reasons.$": "$.Payload.reasons",
          "payment.$": "$.Payload.payment",
        },
        timeoutSeconds: targets.authorizeTimeoutSeconds + 5,
      },
    ),
    "Admitted?": {
      Type: "Choice",
      Comment:
        "Only the active region settles. A payment whose ledger step was attempted before goes on whatever the rules say now: money may have moved.",
      Choices: [
        { Variable: "$.authorization.activeHere", BooleanEquals: false, Next: "NotActiveHere" },
        { Variable: `${ITEM}.ledgerAttemptedAt`, IsPresent: true, Next: "ProbeLedgerWriter" },
        { Variable: "$.authorization.approved", BooleanEquals: true, Next: "ProbeLedgerWriter" },
        { Variable: "$.authorization.payment", IsNull: true, Next: "Invalid" },
      ],
      Default: "MarkDeclined",
    },
    ProbeLedgerWriter: task(
      // Data API: "read and write queries sent to the secondary cluster fail while it lacks a
      // writer instance" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html).
      "This region's ledger writes (the Data API answers only on the global writer).",
      awsSdk("rdsdata", "executeStatement", { ...ledger, Sql: "SELECT 1" }),
      {
        next: "Settlement",
        retry: [retryTransient(TRANSIENT_ERRORS.rdsData)],
        catch: [catchAll("NotActiveHere", "$.error")],
      },
    ),
    Settlement: passState(
      "What is settled, from the stored record (the API's), without the payment method.",
      {
        Parameters: {
          "paymentId.$": `${ITEM}.paymentId.S`,
          "merchantId.$": `${ITEM}.merchantId.S`,
          "customerId.$": `${ITEM}.customerId.S`,
          "amountMinor.$": `States.StringToJson(${ITEM}.amountMinor.N)`,
          "currency.$": `${ITEM}.currency.S`,
          "createdAt.$": `${ITEM}.createdAt.S`,
          region: targets.region,
        },
        ResultPath: "$.settlement",
      },
      "MarkLedgerAttempted",
    ),
    MarkLedgerAttempted: task(
      "The point of no return: from here the payment can no longer be marked FAILED.",
      updatePayment(
        targets,
        "SET ledgerAttemptedAt = if_not_exists(ledgerAttemptedAt, :at)",
        "#status = :received",
        {},
      ),
      {
        next: "RecordLedgerEntry",
        retry: [noRetry([CONDITION_FAILED]), retryTransient(TRANSIENT_ERRORS.dynamodb)],
        catch: [catchOn([CONDITION_FAILED], "AlreadySettled"), catchAll("LeftForRedrive")],
      },
    ),
    RecordLedgerEntry: task(
      "Debit the merchant's ledger once per payment (idempotent on payment and direction).",
      awsSdk("rdsdata", "executeStatement", {
        ...ledger,
        Sql:
          "INSERT INTO ledger_entries (payment_id, merchant_id, direction, amount_minor, currency, region) " +
          "VALUES (:payment_id, :merchant_id, 'debit', :amount_minor, :currency, :region) " +
          "ON CONFLICT (payment_id, direction) DO NOTHING",
        Parameters: [
          { Name: "payment_id", Value: { "StringValue.$": "$.settlement.paymentId" } },
          { Name: "merchant_id", Value: { "StringValue.$": "$.settlement.merchantId" } },
          { Name: "amount_minor", Value: { "LongValue.$": "$.settlement.amountMinor" } },
          { Name: "currency", Value: { "StringValue.$": "$.settlement.currency" } },
          { Name: "region", Value: { StringValue: targets.region } },
        ],
      }),
      afterLedger("MarkCompleted"),
    ),
    MarkCompleted: task(
      "Mark the payment COMPLETED; a payment another execution completed is left as it is.",
      updatePayment(
        targets,
        // Out of the sweeper's `pending` index, into the reconciler's `bySettledHour` (the hour
        // is the entered time up to its first ':': `2026-11-29T21`).
        "SET #status = :completed, statusDetail = :detail, updatedAt = :at, settledHour = :hour REMOVE pendingShard",
        "#status = :received",
        {
          ":completed": { S: "COMPLETED" },
          ":detail": { M: { region: { S: targets.region } } },
          ":hour": {
            "S.$": "States.ArrayGetItem(States.StringSplit($$.State.EnteredTime, ':'), 0)",
          },
        },
      ),
      {
        next: "WriteReceipt",
        // The condition fails only when the status is COMPLETED already: FAILED cannot follow
        // MarkLedgerAttempted.
        retry: [noRetry([CONDITION_FAILED]), retryLong()],
        catch: [
          catchOn([CONDITION_FAILED], "WriteReceipt", "$.completedBefore"),
          catchAll("DescribeRepair"),
        ],
      },
    ),
    WriteReceipt: task(
      "Keep the receipt (replicated to the other region); the same key on a re-run.",
      awsSdk("s3", "putObject", {
        Bucket: targets.receiptsBucket,
        "Key.$":
          "States.Format('receipts/{}/{}.json', $.settlement.merchantId, $.settlement.paymentId)",
        "Body.$": "States.JsonToString($.settlement)",
        ContentType: "application/json",
      }),
      afterLedger("PublishCompleted"),
    ),
    PublishCompleted: task(
      "Tell the rest of the platform (at least once: consumers key on paymentId).",
      publish(targets, "PaymentCompleted", { "Detail.$": "$.settlement" }),
      { ...afterLedger("Completed"), resultPath: "$.published" },
    ),
    Completed: { Type: "Succeed", Comment: "The payment is COMPLETED." },
    AlreadySettled: {
      Type: "Succeed",
      Comment: "Another execution settled this payment; nothing to do.",
    },
    DescribeRepair: passState(
      "What the repair queue carries: the payment (the processor's message shape) and why it was parked.",
      {
        Parameters: {
          "payment.$": "$.payment",
          parked: { "execution.$": "$$.Execution.Id", "error.$": "$.error.Error" },
        },
        ResultPath: "$.repair",
      },
      "ParkForRepair",
    ),
    ParkForRepair: task(
      "Park the payment: its ledger step was attempted, a later step kept failing. The processor gets it again in 15 minutes; the parked alarm pages.",
      optimized("sqs", "sendMessage", {
        QueueUrl: targets.repairQueueUrl,
        "MessageBody.$": "States.JsonToString($.repair)",
        DelaySeconds: REPAIR_DELAY_SECONDS,
      }),
      {
        next: "Parked",
        retry: [retryLong()],
        // Still RECEIVED with the ledger step attempted: the sweeper finds it (and the failed
        // execution alarms).
        catch: [catchAll("Parked", "$.parkError")],
      },
    ),
    Parked: {
      Type: "Fail",
      Comment: "Still RECEIVED, never FAILED: the repair queue delivers it again.",
      Error: LEFT_RECEIVED.parked,
      Cause: "A step after the ledger entry kept failing; the payment is on the repair queue",
    },
    MarkDeclined: task(
      "Mark a declined payment FAILED with the reasons, only while no ledger step was attempted.",
      updatePayment(
        targets,
        "SET #status = :failed, statusDetail = :detail, updatedAt = :at REMOVE pendingShard",
        "#status = :received AND attribute_not_exists(ledgerAttemptedAt)",
        {
          ":failed": { S: "FAILED" },
          ":detail": { M: { declined: { "S.$": "States.JsonToString($.authorization.reasons)" } } },
        },
      ),
      {
        next: "PublishDeclined",
        retry: [noRetry([CONDITION_FAILED]), retryTransient(TRANSIENT_ERRORS.dynamodb)],
        catch: [catchOn([CONDITION_FAILED], "AlreadySettled"), catchAll("LeftForRedrive")],
      },
    ),
    PublishDeclined: task(
      "Alert: the payment was declined.",
      publish(targets, "PaymentFailed", {
        Detail: {
          "paymentId.$": "$.payment.paymentId",
          "merchantId.$": "$.authorization.payment.merchantId",
          status: "FAILED",
          "reasons.$": "$.authorization.reasons",
        },
      }),
      {
        next: "Declined",
        retry: [retryTransient(TRANSIENT_ERRORS.eventBridge)],
        catch: [catchAll("Declined", "$.publishError")],
        resultPath: "$.published",
      },
    ),
    Declined: {
      Type: "Fail",
      Comment: "Declined by the authorization rules; the reasons are on the payment.",
      Error: "Payment.Declined",
      Cause: "The payment was declined by the authorization rules",
    },
    NotActiveHere: {
      Type: "Fail",
      Comment: "This region is not the active writer: nothing written, the payment stays RECEIVED.",
      Error: LEFT_RECEIVED.notActiveHere,
      Cause: "This region is not the active writer; the active region re-drives the payment",
    },
    LeftForRedrive: {
      Type: "Fail",
      Comment: "A step before the ledger failed: nothing moved, the payment stays RECEIVED.",
      Error: LEFT_RECEIVED.leftForRedrive,
      Cause: "A step before the ledger failed after its retries; the payment stays RECEIVED",
    },
    Unknown: {
      Type: "Fail",
      Comment: "No payment with this id was recorded: nothing to settle or mark.",
      Error: LEFT_RECEIVED.unknown,
      Cause: "The payments table has no record of this payment",
    },
    Invalid: {
      Type: "Fail",
      Comment: "The input is not a payment: nothing can be marked, nothing moved.",
      Error: "Payment.Invalid",
      Cause: "The execution input failed validation; see the Authorize step's reasons",
    },
  };
  // No path visits a Task twice, so the Tasks' worst cases summed bound every execution.
  const worstCase = Object.values(states)
    .filter((state) => state.Type === "Task")
    .reduce((sum, state) => sum + taskWorstCase(state), 0);
  return {
    Comment:
      "One execution per delivery of a payment; a payment is settled once, and never FAILED after its ledger step.",
    StartAt: "CheckInput",
    TimeoutSeconds: Math.ceil(worstCase) + 60,
    States: states,
  };
}
