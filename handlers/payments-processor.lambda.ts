/**
 * The payments-processor Lambda (thin AWS shell around ./payments-processor): consumes the
 * region's payments queue and starts one payment workflow execution per payment, named after the
 * payment id, so a second start of the same payment (a redelivered or re-sent message) is a
 * success and never a second execution.
 *
 * Partial batch responses (ReportBatchItemFailures) through Powertools' batch processor: only the
 * messages that failed return to the queue; a malformed message fails every time and reaches the
 * dead-letter queue after the queue's maxReceiveCount. Environment: PAYMENT_WORKFLOW_ARN.
 */
import { executionName, paymentOfMessage } from "./payments-processor";
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
