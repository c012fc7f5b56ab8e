/**
 * The payment workflow's definition (Amazon States Language, JSONPath, from definitions/asl.ts):
 * authorize → record the ledger entry → mark the payment COMPLETED → write the receipt → publish
 * PaymentCompleted. Direct service integrations everywhere but authorization. Transient errors
 * retry with exponential backoff and full jitter, a bounded number of times; anything else is
 * caught: the payment is marked FAILED with the cause, PaymentFailed is published (the alert) and
 * the execution fails. A declined payment ends the same way, with the decline reasons.
 */
import {
  awsSdk,
  catchAll,
  lambdaInvoke,
  optimized,
  retryTransient,
  type StateMachineDefinition,
  type TaskCall,
  type TaskState,
  taskState,
  TRANSIENT_ERRORS,
} from "./asl";

/** The workflow's retry contract (its tests hold it to these). */

export type WorkflowDefinition = StateMachineDefinition;

/** Where the workflow's steps act; every one is in the workflow's own region. */
export interface WorkflowTargets {
  readonly authorizeFunctionArn: string;
  readonly tableName: string;
  readonly clusterArn: string;
  readonly credentialsSecretArn: string;
  readonly database: string;
  readonly receiptsBucket: string;
  readonly eventBusName: string;
  readonly region: string;
}

/** A Task that retries its integration's transient errors and hands any other to `onError`. */
function task(
  comment: string,
  call: TaskCall,
  transient: readonly string[],
  next: { readonly next: string; readonly onError: string },
  result: { readonly path: string | null; readonly selector?: Record<string, unknown> } = {
    path: null,
  },
): TaskState {
  return taskState({
    comment,
    call,
    resultSelector: result.selector,
    resultPath: result.path,
    retry: [retryTransient(transient)],
    catch: [catchAll(next.onError)],
    next: next.next,
  });
}

/** The validated payment (from Authorize); failure paths only have the raw input's id. */
const VALIDATED = "$.authorization.payment";

function setStatus(
  targets: WorkflowTargets,
  paymentIdPath: string,
  comment: string,
  status: "COMPLETED" | "FAILED",
  detail: Record<string, unknown>,
  next: { readonly next: string; readonly onError: string },
): TaskState {
  return task(
    comment,
    optimized("dynamodb", "updateItem", {
      TableName: targets.tableName,
      Key: { paymentId: { "S.$": paymentIdPath } },
      // Only a payment the API recorded can change status; a stray id fails instead of creating one.
      ConditionExpression: "attribute_exists(paymentId)",
      UpdateExpression: "SET #status = :status, #detail = :detail, updatedAt = :at",
      ExpressionAttributeNames: { "#status": "status", "#detail": "statusDetail" },
      ExpressionAttributeValues: {
        ":status": { S: status },
        ":detail": detail,
        ":at": { "S.$": "$$.State.EnteredTime" },
      },
    }),
    TRANSIENT_ERRORS.dynamodb,
    next,
  );
}

function publish(
  targets: WorkflowTargets,
  comment: string,
  detailType: "PaymentCompleted" | "PaymentFailed",
  next: { readonly next: string; readonly onError: string },
): TaskState {
  return task(
    comment,
    optimized("events", "putEvents", {
      Entries: [
        {
          EventBusName: targets.eventBusName,
          Source: "payments.workflow",
          DetailType: detailType,
          "Detail.$": "$",
        },
      ],
    }),
    TRANSIENT_ERRORS.eventBridge,
    next,
    { path: "$.published" },
  );
}

export function paymentWorkflowDefinition(targets: WorkflowTargets): WorkflowDefinition {
  return {
    Comment: "One execution per payment: it ends COMPLETED or FAILED, never nowhere.",
    StartAt: "Authorize",
    TimeoutSeconds: 900,
    States: {
      Authorize: task(
        "Validate the payment and apply the authorization rules (Lambda: logic).",
        lambdaInvoke(targets.authorizeFunctionArn, { "payment.$": "$.payment" }),
        TRANSIENT_ERRORS.lambda,
        { next: "Approved?", onError: "MarkFailed" },
        {
          path: "$.authorization",
          selector: {
            "approved.$": "$.Payload.approved",
            "reasons.$": "$.Payload.reasons",
            "payment.$": "$.Payload.payment",
          },
        },
      ),
      "Approved?": {
        Type: "Choice",
        Comment: "Only an approved payment moves money.",
        Choices: [
          { Variable: "$.authorization.approved", BooleanEquals: true, Next: "RecordLedgerEntry" },
          { Variable: VALIDATED, IsNull: true, Next: "Invalid" },
        ],
        Default: "MarkDeclined",
      },
      RecordLedgerEntry: task(
        "Debit the merchant's ledger once per payment (idempotent on payment and direction).",
        awsSdk("rdsdata", "executeStatement", {
          ResourceArn: targets.clusterArn,
          SecretArn: targets.credentialsSecretArn,
          Database: targets.database,
          Sql:
            "INSERT INTO ledger_entries (payment_id, merchant_id, direction, amount_minor, currency, region) " +
            "VALUES (:payment_id, :merchant_id, 'debit', :amount_minor, :currency, :region) " +
            "ON CONFLICT (payment_id, direction) DO NOTHING",
          Parameters: [
            { Name: "payment_id", Value: { "StringValue.$": `${VALIDATED}.paymentId` } },
            { Name: "merchant_id", Value: { "StringValue.$": `${VALIDATED}.merchantId` } },
            { Name: "amount_minor", Value: { "LongValue.$": `${VALIDATED}.amountMinor` } },
            { Name: "currency", Value: { "StringValue.$": `${VALIDATED}.currency` } },
            { Name: "region", Value: { StringValue: targets.region } },
          ],
        }),
        TRANSIENT_ERRORS.rdsData,
        { next: "MarkCompleted", onError: "MarkFailed" },
      ),
      MarkCompleted: setStatus(
        targets,
        `${VALIDATED}.paymentId`,
        "Mark the payment COMPLETED.",
        "COMPLETED",
        { M: { region: { S: targets.region } } },
        { next: "WriteReceipt", onError: "MarkFailed" },
      ),
      WriteReceipt: task(
        "Keep the receipt (replicated to the other region).",
        awsSdk("s3", "putObject", {
          Bucket: targets.receiptsBucket,
          "Key.$": `States.Format('receipts/{}/{}.json', ${VALIDATED}.merchantId, ${VALIDATED}.paymentId)`,
          "Body.$": VALIDATED,
          ContentType: "application/json",
        }),
        TRANSIENT_ERRORS.s3,
        { next: "PublishCompleted", onError: "MarkFailed" },
      ),
      PublishCompleted: publish(targets, "Tell the rest of the platform.", "PaymentCompleted", {
        next: "Completed",
        onError: "MarkFailed",
      }),
      Completed: { Type: "Succeed", Comment: "The payment is COMPLETED." },
      MarkDeclined: setStatus(
        targets,
        `${VALIDATED}.paymentId`,
        "Mark a declined payment FAILED with the decline reasons.",
        "FAILED",
        { M: { declined: { "S.$": "States.JsonToString($.authorization.reasons)" } } },
        { next: "PublishDeclined", onError: "PublishFailed" },
      ),
      PublishDeclined: publish(targets, "Alert: the payment was declined.", "PaymentFailed", {
        next: "Declined",
        onError: "Declined",
      }),
      Declined: {
        Type: "Fail",
        Comment: "Declined by the authorization rules; the reasons are on the payment.",
        Error: "Payment.Declined",
        Cause: "The payment was declined by the authorization rules",
      },
      MarkFailed: setStatus(
        targets,
        // Authorize may not have run: only the raw id is known. The update's condition keeps a
        // wrong id from creating a record.
        "$.payment.paymentId",
        "Mark the payment FAILED with the error that stopped it.",
        "FAILED",
        { M: { error: { "S.$": "$.error.Error" }, cause: { "S.$": "$.error.Cause" } } },
        { next: "PublishFailed", onError: "PublishFailed" },
      ),
      PublishFailed: publish(targets, "Alert: the payment failed.", "PaymentFailed", {
        next: "Failed",
        onError: "Failed",
      }),
      Invalid: {
        Type: "Fail",
        Comment: "The input is not a payment: nothing can be marked, nothing moved.",
        Error: "Payment.Invalid",
        Cause: "The execution input failed validation; see the Authorize step's reasons",
      },
      Failed: {
        Type: "Fail",
        Comment: "A step failed for good; the cause is on the payment.",
        Error: "Payment.Failed",
        Cause: "A workflow step failed after its retries",
      },
    },
  };
}
