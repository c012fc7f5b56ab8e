/**
 * The payments-processor Lambda: consumes the region's payments queue and starts one payment
 * workflow execution per payment, named after the payment id, so a second start of the same
 * payment (a redelivered or re-sent message) is a success and never a second execution.
 *
 * Partial batch responses (ReportBatchItemFailures) through Powertools' batch processor: only the
 * messages that failed return to the queue; a malformed message fails every time and reaches the
 * dead-letter queue after the queue's maxReceiveCount. Environment: PAYMENT_WORKFLOW_ARN.
 */
import { type Payment, validatePayment } from "./authorize";
import { namedError, requiredEnv } from "./runtime";

type Sfn = typeof import("@aws-sdk/client-sfn");
type Batch = typeof import("@aws-lambda-powertools/batch");

export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
}

export interface SqsBatch {
  readonly Records: readonly QueueMessage[];
}

export interface BatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

/** The payment a queue message carries, or why it carries none. */
export function paymentOfMessage(body: string): { payment: Payment } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { problem: "the message body is not JSON" };
  }
  const payment =
    typeof parsed === "object" && parsed !== null && "payment" in parsed
      ? parsed.payment
      : undefined;
  const validated = validatePayment(payment);
  return "problems" in validated
    ? { problem: `the message carries no valid payment: ${validated.problems.join("; ")}` }
    : validated;
}

/** The execution of a payment: one per payment, ever (Step Functions keeps names for 90 days). */
export function executionName(payment: Payment): string {
  return payment.paymentId;
}

/** Set up on the first batch of an execution environment, then reused. */
const environment: { process?: (event: SqsBatch) => Promise<BatchResponse> } = {};

function connect(): (event: SqsBatch) => Promise<BatchResponse> {
  const workflowArn = requiredEnv("PAYMENT_WORKFLOW_ARN");
  /* eslint-disable @typescript-eslint/no-require-imports */
  const sfn = require("@aws-sdk/client-sfn") as Sfn;
  const { BatchProcessor, EventType, processPartialResponse } =
    require("@aws-lambda-powertools/batch") as Batch;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const client = new sfn.SFNClient({});
  const processor = new BatchProcessor(EventType.SQS);
  const start = async (message: QueueMessage) => {
    const parsed = paymentOfMessage(message.body);
    if ("problem" in parsed) {
      throw namedError("PoisonMessageError", `message ${message.messageId}: ${parsed.problem}`);
    }
    try {
      await client.send(
        new sfn.StartExecutionCommand({
          stateMachineArn: workflowArn,
          name: executionName(parsed.payment),
          input: JSON.stringify({ payment: parsed.payment }),
        }),
      );
    } catch (error) {
      // The payment's execution exists already: what this message asked for has happened.
      if (!(error instanceof sfn.ExecutionAlreadyExists)) {
        throw error;
      }
    }
  };
  return (event) =>
    processPartialResponse(
      event as unknown as Parameters<typeof processPartialResponse>[0],
      start,
      processor,
    );
}

export async function paymentsProcessorHandler(event: SqsBatch): Promise<BatchResponse> {
  environment.process ??= connect();
  return environment.process(event);
}
