/**
 * A Lambda event source mapping on an SQS queue, for game days: it polls the game day's queue
 * (./queues.ts) and invokes the processor with a batch, as the AWS Lambda Developer Guide
 * describes it:
 * - Lambda receives up to `batchSize` messages and invokes the function with them; a successful
 *   invocation deletes them ("Using Lambda with Amazon SQS":
 *   https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html).
 * - With `ReportBatchItemFailures`, only the messages the function lists in `batchItemFailures`
 *   stay; an invocation that fails leaves the whole batch, visible again after the visibility
 *   timeout ("Handling errors for an SQS event source":
 *   https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
 * - A disabled mapping does not poll (UpdateEventSourceMapping `Enabled`).
 */
import type { RegionQueues } from "./queues";

export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: { readonly ApproximateReceiveCount: string };
  readonly messageAttributes: Record<string, never>;
  readonly md5OfBody: string;
  readonly eventSource: "aws:sqs";
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export type BatchHandler = (event: {
  readonly Records: readonly SqsRecord[];
}) => Promise<{ readonly batchItemFailures?: readonly { readonly itemIdentifier: string }[] }>;

export interface EventSourceOptions {
  readonly uuid: string;
  readonly queues: RegionQueues;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly batchSize: number;
  readonly enabled: boolean;
  readonly handler: BatchHandler;
}

export interface PollResult {
  readonly received: number;
  readonly deleted: number;
  /** The invocation failed: every message of the batch stays. */
  readonly invocationFailed: boolean;
}

export class SqsEventSource {
  enabled: boolean;

  constructor(private readonly options: EventSourceOptions) {
    this.enabled = options.enabled;
  }

  get uuid(): string {
    return this.options.uuid;
  }

  /** One poll: a batch received, the function invoked, the batch's successes deleted. */
  async poll(): Promise<PollResult> {
    if (!this.enabled) {
      return { received: 0, deleted: 0, invocationFailed: false };
    }
    const { queues, queueUrl } = this.options;
    const messages = queues.receive(queueUrl, this.options.batchSize);
    if (messages.length === 0) {
      return { received: 0, deleted: 0, invocationFailed: false };
    }
    const records: SqsRecord[] = messages.map((m) => ({
      messageId: m.id,
      receiptHandle: m.receiptHandle,
      body: m.body,
      attributes: { ApproximateReceiveCount: String(m.receiveCount) },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.region,
    }));
    let failed: Set<string>;
    try {
      const response = await this.options.handler({ Records: records });
      failed = new Set((response.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch {
      return { received: messages.length, deleted: 0, invocationFailed: true };
    }
    let deleted = 0;
    for (const record of records.filter((r) => !failed.has(r.messageId))) {
      queues.delete(queueUrl, record.receiptHandle);
      deleted += 1;
    }
    return { received: messages.length, deleted, invocationFailed: false };
  }
}
