/**
 * The orchestration tier of one region: the payment workflow (STANDARD Step Functions state
 * machine, definitions/payment-workflow.ts) with its authorize handler, and the region's events:
 * a custom EventBridge bus (the same name in every region), an archive for replay, and a rule
 * that forwards PaymentCompleted and PaymentFailed to the region's payment-events topic, and the
 * high-value alerts (./orchestration/high-value-alerts.ts). With
 * `eventBridgeGlobalEndpoint`, a global endpoint over both regions' buses
 * (./orchestration/global-event-endpoint.ts).
 * Everything is encrypted with the region's key; the workflow logs (ALL in dev, ERROR in prod)
 * to an encrypted log group and traces with X-Ray. Every role names only this region's resources.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { authorizeHandler } from "../handlers/authorize.lambda";
import { MERCHANT_INDEX } from "../handlers/payment";
import type { DataTier } from "./data";
import { policyDocument } from "./building-blocks/iam";
import { handlerFunction } from "./building-blocks/lambda";
import type { StackConfig } from "../model/config";
import { type Namer, PAYMENT_EVENT_BUS } from "../model/naming";
import { paymentWorkflowDefinition } from "../definitions/payment-workflow";
import { encryptedStateMachine } from "./building-blocks/state-machine";
import type { AwsRegion } from "../model/regions";
import { LEDGER_DATABASE, ledgerAccess } from "./data/ledger";
import { MAX_SOURCE_RETENTION_DAYS, PaymentQueue } from "./compute/payment-queue";
import { highValueAlerts } from "./orchestration/high-value-alerts";
import { eventTopic } from "./building-blocks/event-topic";

export const PAYMENT_EVENT_SOURCE = "payments.workflow";

/** The stack settings the orchestration tier reads (production logs only execution errors). */
export type OrchestrationConfig = Pick<
  StackConfig,
  | "production"
  | "logRetentionDays"
  | "authorization"
  | "authorizeFunction"
  | "processor"
  | "queue"
  | "highValueAmountMinor"
  | "alertEmail"
  | "regions"
  | "eventBridgeGlobalEndpoint"
>;

export interface OrchestrationTierArgs {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly data: DataTier;
  readonly config: OrchestrationConfig;
}

export class OrchestrationTier extends pulumi.ComponentResource {
  readonly stateMachineArn: pulumi.Output<string>;
  readonly authorizeFunctionName: pulumi.Output<string>;
  readonly eventBusArn: pulumi.Output<string>;
  readonly eventsTopicArn: pulumi.Output<string>;
  /** The high-value payments topic; undefined when no threshold is configured. */
  readonly highValueTopicArn: pulumi.Output<string> | undefined;
  /** Payments parked after their ledger step; the processor consumes it (the compute tier). */
  readonly repairQueueArn: pulumi.Output<string>;
  readonly repairQueueName: pulumi.Output<string>;
  readonly repairQueueUrl: pulumi.Output<string>;
  readonly repairDeadLetterQueueName: pulumi.Output<string>;

  constructor(
    name: string,
    args: OrchestrationTierArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("payments:index:OrchestrationTier", name, {}, opts);
    const { namer, region, data } = args;
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent).accountId;

    const bus = new aws.cloudwatch.EventBus(
      `${name}-bus`,
      { name: namer.global("eventBus", PAYMENT_EVENT_BUS), kmsKeyIdentifier: data.keyArn },
      parent,
    );
    new aws.cloudwatch.EventArchive(
      `${name}-archive`,
      {
        name: namer.global("eventArchive", "payments"),
        description: "Every payment event, for replay after an incident",
        eventSourceArn: bus.arn,
        kmsKeyIdentifier: data.keyArn,
        retentionDays: 365,
        eventPattern: JSON.stringify({ source: [PAYMENT_EVENT_SOURCE] }),
      },
      parent,
    );
    const topic = eventTopic(
      `${name}-events`,
      { topicName: namer.regional("snsTopic", "payment-events", region), keyArn: data.keyArn },
      parent,
    );
    const rule = new aws.cloudwatch.EventRule(
      `${name}-outcomes`,
      {
        name: namer.regional("eventRule", "payment-outcomes", region),
        description: "PaymentCompleted and PaymentFailed to the payment-events topic",
        eventBusName: bus.name,
        eventPattern: JSON.stringify({
          source: [PAYMENT_EVENT_SOURCE],
          "detail-type": ["PaymentCompleted", "PaymentFailed"],
        }),
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-outcomes`,
      { rule: rule.name, eventBusName: bus.name, arn: topic.arn },
      parent,
    );
    this.highValueTopicArn = highValueAlerts(
      name,
      {
        region,
        namer,
        keyArn: data.keyArn,
        busName: bus.name,
        source: PAYMENT_EVENT_SOURCE,
        thresholds: args.config.highValueAmountMinor,
        alertEmail: args.config.alertEmail,
      },
      parent,
    );

    // The repair path of a payment whose ledger step was attempted and a later step kept failing
    // (definitions/payment-workflow.ts): the processor's messages, delayed 15 minutes, kept as long as a
    // source queue may keep them (a day less than SQS's maximum, which its DLQ keeps). A message the processor keeps refusing reaches its dead-letter queue.
    const repair = new PaymentQueue(
      `${name}-repair`,
      {
        base: "payments-repair",
        region,
        namer,
        keyArn: data.keyArn,
        processorTimeoutSeconds: args.config.processor.timeoutSeconds,
        batchWindowSeconds: args.config.processor.batchWindowSeconds,
        maxReceiveCount: args.config.queue.maxReceiveCount,
        retentionDays: MAX_SOURCE_RETENTION_DAYS,
      },
      parent,
    );

    const authorize = handlerFunction(
      `${name}-authorize`,
      {
        base: "authorize",
        description: "Payment workflow: validates a payment and applies the authorization rules",
        callback: authorizeHandler,
        region,
        namer,
        keyArn: data.keyArn,
        logRetentionDays: args.config.logRetentionDays,
        statements: [
          {
            sid: "ReadTheMerchantsRecentPayments",
            actions: ["dynamodb:Query"],
            resources: [pulumi.interpolate`${data.tableArn}/index/${MERCHANT_INDEX}`],
          },
          {
            sid: "ReadTheActiveRegionFlag",
            actions: ["ssm:GetParameter"],
            resources: [data.activeRegionParameterArn],
          },
        ],
        environment: {
          AUTHORIZATION_RULES: JSON.stringify(args.config.authorization),
          PAYMENTS_TABLE: data.tableName,
          ACTIVE_REGION_PARAMETER: data.activeRegionParameter,
        },
        timeoutSeconds: args.config.authorizeFunction.timeoutSeconds,
        memoryMb: 256,
        reservedConcurrency: args.config.authorizeFunction.reservedConcurrency,
      },
      parent,
    );

    const definition = pulumi
      .all([
        authorize.arn,
        data.tableName,
        data.clusterArn,
        data.credentialsSecretArn,
        data.receiptsBucket,
        bus.name,
        repair.queueUrl,
      ])
      .apply(([authorizeArn, tableName, clusterArn, secretArn, bucket, busName, repairUrl]) =>
        JSON.stringify(
          paymentWorkflowDefinition({
            authorizeFunctionArn: authorizeArn,
            authorizeTimeoutSeconds: args.config.authorizeFunction.timeoutSeconds,
            repairQueueUrl: repairUrl,
            tableName,
            clusterArn,
            credentialsSecretArn: secretArn,
            database: LEDGER_DATABASE,
            receiptsBucket: bucket,
            eventBusName: busName,
            region,
          }),
        ),
      );
    const machine = encryptedStateMachine(
      {
        logicalName: `${name}-payments`,
        roleLogicalName: `${name}-workflow`,
        name: namer.regional("sfnStateMachine", "payments", region),
        roleName: namer.regional("iamRole", "payments-workflow", region),
        region,
        keyArn: data.keyArn,
        logRetentionDays: args.config.logRetentionDays,
        // Production logs only errors of executions; dev logs every step.
        logLevel: args.config.production ? "ERROR" : "ALL",
        statements: [
          { sid: "Authorize", actions: ["lambda:InvokeFunction"], resources: [authorize.arn] },
          ...ledgerAccess(data, "RecordLedgerEntries"),
          {
            sid: "ReadAndSetPaymentStatus",
            actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            resources: [data.tableArn],
          },
          {
            // The queue is encrypted with the region's key: the state machine's statement
            // UseTheRegionsKey grants the kms:GenerateDataKey and kms:Decrypt a producer needs
            // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
            sid: "ParkPaymentsForRepair",
            actions: ["sqs:SendMessage"],
            resources: [repair.queueArn],
          },
          {
            sid: "WriteReceipts",
            actions: ["s3:PutObject"],
            resources: [pulumi.interpolate`${data.receiptsBucketArn}/receipts/*`],
          },
          { sid: "PublishPaymentEvents", actions: ["events:PutEvents"], resources: [bus.arn] },
        ],
        definition,
      },
      parent,
    );

    // Only the workflow publishes payment events (and, with the global endpoint, its replication
    // role): an explicit Deny in the bus's policy overrides any Allow another principal of the
    // account has (IAM User Guide, "Policy evaluation logic":
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
    // Calls by AWS service principals carry aws:PrincipalIsAWSService = true and are not denied
    // (IAM User Guide, global condition keys:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice).
    const publishers: pulumi.Input<string>[] = [
      machine.roleArn,
      ...(args.config.eventBridgeGlobalEndpoint
        ? [
            pulumi.interpolate`arn:aws:iam::${account}:role/${namer.regional("iamRole", "event-replication", args.config.regions.primary)}`,
          ]
        : []),
    ];
    new aws.cloudwatch.EventBusPolicy(
      `${name}-bus`,
      {
        eventBusName: bus.name,
        policy: policyDocument(
          [
            {
              sid: "OnlyThisAccountPublishes",
              principals: [
                { type: "AWS", identifiers: [pulumi.interpolate`arn:aws:iam::${account}:root`] },
              ],
              actions: ["events:PutEvents"],
              resources: [bus.arn],
            },
            {
              sid: "OnlyTheWorkflowPublishes",
              effect: "Deny",
              principals: [{ type: "*", identifiers: ["*"] }],
              actions: ["events:PutEvents"],
              resources: [bus.arn],
              conditions: [
                { test: "ArnNotEquals", variable: "aws:PrincipalArn", values: publishers },
                { test: "BoolIfExists", variable: "aws:PrincipalIsAWSService", values: ["false"] },
              ],
            },
          ],
          parent,
        ),
      },
      parent,
    );
    this.stateMachineArn = machine.arn;
    this.authorizeFunctionName = authorize.name;
    this.eventBusArn = bus.arn;
    this.eventsTopicArn = topic.arn;
    this.repairQueueArn = repair.queueArn;
    this.repairQueueName = repair.queueName;
    this.repairQueueUrl = repair.queueUrl;
    this.repairDeadLetterQueueName = repair.deadLetterQueueName;
    this.registerOutputs({
      stateMachineArn: this.stateMachineArn,
      eventBusArn: this.eventBusArn,
      eventsTopicArn: this.eventsTopicArn,
    });
  }
}
