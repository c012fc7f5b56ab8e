/**
 * A queue the payments processor consumes, and its dead-letter queue, both encrypted with the
 * region's key: the payments queue (between accepting a payment and processing it) and the repair
 * queue (payments parked after their ledger step, ../orchestration.ts). The DLQ keeps messages
 * for SQS's maximum, longer than the source queue: a dead letter keeps its original enqueue time,
 * so a DLQ that keeps messages no longer than its source drops them as soon as they arrive (Amazon
 * SQS Developer Guide, "Using dead-letter queues": "always set the retention period of a
 * dead-letter queue to be longer than the retention period of the original queue":
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Namer } from "../../model/naming";
import type { AwsRegion } from "../../model/regions";
import { movedChild, type PartOptions } from "../building-blocks/parts";

/** Lambda's advice for SQS event sources: visibility at least six times the function's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** The longest SQS keeps a message: the dead-letter queues' retention. */
const MAX_RETENTION_DAYS = 14;
const MAX_RETENTION_SECONDS = MAX_RETENTION_DAYS * 86_400;
/** The longest a source queue keeps a message: a day less than its dead-letter queue. */
export const MAX_SOURCE_RETENTION_DAYS = MAX_RETENTION_DAYS - 1;

export interface PaymentQueueArgs {
  /** The queue's name base: `payments` (the default) or `payments-repair`. */
  readonly base?: string;
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly keyArn: pulumi.Input<string>;
  readonly processorTimeoutSeconds: number;
  readonly batchWindowSeconds: number;
  readonly maxReceiveCount: number;
  readonly retentionDays: number;
}

export class PaymentQueue extends pulumi.ComponentResource {
  readonly queueArn: pulumi.Output<string>;
  readonly queueUrl: pulumi.Output<string>;
  readonly queueName: pulumi.Output<string>;
  readonly deadLetterQueueName: pulumi.Output<string>;

  constructor(name: string, args: PaymentQueueArgs, opts: PartOptions) {
    super("payments:compute:PaymentQueue", name, {}, opts);
    const { namer, region } = args;
    const base = args.base ?? "payments";
    if (args.retentionDays > MAX_SOURCE_RETENTION_DAYS) {
      throw new Error(
        `${name}: a source queue keeps messages at most ${MAX_SOURCE_RETENTION_DAYS} days, one less than its dead-letter queue`,
      );
    }
    const child = movedChild(this, { parent: opts.parent });
    const deadLetters = new aws.sqs.Queue(
      `${name}-dlq`,
      {
        name: namer.regional("sqsQueue", `${base}-dlq`, region),
        kmsMasterKeyId: args.keyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        messageRetentionSeconds: MAX_RETENTION_SECONDS,
      },
      child,
    );
    const queue = new aws.sqs.Queue(
      `${name}-queue`,
      {
        name: namer.regional("sqsQueue", base, region),
        kmsMasterKeyId: args.keyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        visibilityTimeoutSeconds:
          VISIBILITY_TIMEOUT_FACTOR * args.processorTimeoutSeconds + args.batchWindowSeconds,
        messageRetentionSeconds: args.retentionDays * 86_400,
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: deadLetters.arn,
          maxReceiveCount: args.maxReceiveCount,
        }),
      },
      child,
    );
    new aws.sqs.RedriveAllowPolicy(
      `${name}-dlq`,
      {
        queueUrl: deadLetters.url,
        redriveAllowPolicy: pulumi.jsonStringify({
          redrivePermission: "byQueue",
          sourceQueueArns: [queue.arn],
        }),
      },
      child,
    );
    this.queueArn = queue.arn;
    this.queueUrl = queue.url;
    this.queueName = queue.name;
    this.deadLetterQueueName = deadLetters.name;
    this.registerOutputs({
      queueUrl: this.queueUrl,
      deadLetterQueueName: this.deadLetterQueueName,
    });
  }
}
