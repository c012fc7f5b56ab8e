/**
 * The payments-processor Lambda (thin AWS shell around ./payments-processor): consumes the
 * region's payments queue and repair queue and starts one payment workflow execution per message,
 * named after the payment and the message, so a redelivered message never starts a second one.
 *
 * First the gate: only where this region is the active writer (flag, cached briefly, and the
 * ledger answering a Data API statement, cached once it does). Elsewhere every message of the
 * batch is reported failed and stays on the queue, untouched, for the active region.
 *
 * Partial batch responses (ReportBatchItemFailures) through Powertools' batch processor: only the
 * messages that failed return to the queue; a malformed message fails every time and reaches the
 * dead-letter queue after the queue's maxReceiveCount.
 *
 * Environment: PAYMENT_WORKFLOW_ARN, ACTIVE_REGION_PARAMETER, LEDGER_CLUSTER_ARN,
 * LEDGER_SECRET_ARN, LEDGER_DATABASE, AWS_REGION.
 */
import { executionName, gate, paymentOfMessage } from "./payments-processor";
import {
  activeRegionFlag,
  ledgerFromEnv,
  ledgerWrites,
  namedError,
  requiredEnv,
  settled,
} from "./runtime";

type Sfn = typeof import("@aws-sdk/client-sfn");
type RdsData = typeof import("@aws-sdk/client-rds-data");
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

/** Once this region's ledger has answered, it is trusted for this long before asking again. */
export const LEDGER_WRITER_CACHE_MS = 30_000;

/** Set up on the first batch of an execution environment, then reused. */
const environment: { process?: (event: SqsBatch) => Promise<BatchResponse> } = {};

function connect(): (event: SqsBatch) => Promise<BatchResponse> {
  const workflowArn = requiredEnv("PAYMENT_WORKFLOW_ARN");
  const region = requiredEnv("AWS_REGION");
  const flag = activeRegionFlag(requiredEnv("ACTIVE_REGION_PARAMETER"));
  /* eslint-disable @typescript-eslint/no-require-imports */
  const sfn = require("@aws-sdk/client-sfn") as Sfn;
  const rdsData = require("@aws-sdk/client-rds-data") as RdsData;
  const { BatchProcessor, EventType, processPartialResponse } =
    require("@aws-lambda-powertools/batch") as Batch;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const client = new sfn.SFNClient({});
  // A failure is not kept: a standby asks again on its next batch.
  const writes = ledgerWrites(rdsData, ledgerFromEnv(), {
    ttlMs: LEDGER_WRITER_CACHE_MS,
    maxAttempts: 2,
  });
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
          name: executionName(parsed.payment, message.messageId),
          input: JSON.stringify({ payment: parsed.payment }),
        }),
      );
    } catch (error) {
      // This delivery's execution exists already: what this message asked for has happened.
      if (!(error instanceof sfn.ExecutionAlreadyExists)) {
        throw error;
      }
    }
  };
  return async (event) => {
    const open = gate(region, await settled(flag()), await settled(writes()));
    if (!open.open) {
      console.warn(`left ${event.Records.length} messages on the queue: ${open.why}`);
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    }
    return processPartialResponse(
      event as unknown as Parameters<typeof processPartialResponse>[0],
      start,
      processor,
    );
  };
}

export async function paymentsProcessorHandler(event: SqsBatch): Promise<BatchResponse> {
  environment.process ??= connect();
  return environment.process(event);
}
