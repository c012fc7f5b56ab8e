/**
 * The alarms of one region and the topic they publish to (ALARM and OK), with the on-call e-mail
 * subscription: the golden signals and replication of the region's tiers, the payments dead-letter
 * queue, and the composite "region impaired" alarm that the other region's failover orchestrator
 * treats as critical (`reportImpairmentTo`). In us-east-1 also the Route 53 health checks of both
 * regions, which Route 53 publishes there only.
 *
 * `treatMissingData` is chosen per alarm: the service metrics here are published only when there
 * is traffic or replication to measure (no requests, no 5xx datapoints; the writer cluster
 * publishes no global-database lag), so their missing data is healthy ("notBreaching"). Route 53
 * reports a health check's status every minute, so a missing status is itself a failure
 * ("breaching").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { API_STAGE } from "../../definitions/payment-api";
import type { StackConfig } from "../../model/config";
import type { Namer } from "../../model/naming";
import { type AwsRegion, peerOf, type RegionRole } from "../../model/regions";
import { policyDocument } from "../building-blocks/iam";
import {
  type ChildOptions,
  type FormerPlace,
  movedChild,
  type PartOptions,
} from "../building-blocks/parts";
import type { ComputeTier } from "../compute";
import type { DataTier } from "../data";
import type { OrchestrationTier } from "../orchestration";
import type { TrafficFailover } from "../traffic";
import { METRICS_NAMESPACE, METRICS_SERVICE } from "../../handlers/sweeper.lambda";

/** What AWS Backup reports for a job that did not end with a recovery point, a copy or a restore. */
const UNSUCCESSFUL_JOB = ["FAILED", "ABORTED", "EXPIRED"];

/**
 * The AWS Backup events of a backup, copy or restore (restore testing's too) job that failed: AWS
 * Backup sends "Backup Job State Change", "Copy Job State Change" and "Restore Job State Change" to
 * the default bus (EventBridge events reference, AWS Backup events:
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-backup.html); backup and copy jobs
 * report `state`, restore jobs `status`, as in the AWS Backup API (AWS Backup Developer Guide,
 * "Monitoring AWS Backup events using Amazon EventBridge":
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html), hence the `$or`.
 */
export const FAILED_BACKUP_JOB_PATTERN = {
  source: ["aws.backup"],
  "detail-type": ["Backup Job State Change", "Copy Job State Change", "Restore Job State Change"],
  $or: [{ detail: { state: UNSUCCESSFUL_JOB } }, { detail: { status: UNSUCCESSFUL_JOB } }],
};

/** The names one region's metrics are published under: what its alarms and the dashboard watch. */
export interface RegionSignals {
  readonly role: RegionRole;
  readonly region: AwsRegion;
  readonly peerRegion: AwsRegion;
  readonly apiName: pulumi.Input<string>;
  /** Handler functions by their short name (`payments-api`, …). */
  readonly functions: Readonly<Record<string, pulumi.Input<string>>>;
  readonly stateMachineArn: pulumi.Input<string>;
  readonly tableName: pulumi.Input<string>;
  readonly clusterIdentifier: pulumi.Input<string>;
  readonly bucket: pulumi.Input<string>;
  readonly peerBucket: pulumi.Input<string>;
  readonly deadLetterQueue: pulumi.Input<string>;
  /** Payments parked after their ledger step (definitions/payment-workflow.ts). */
  readonly repairQueue: pulumi.Input<string>;
  readonly repairDeadLetterQueue: pulumi.Input<string>;
  /** The Route 53 health check of the region's API endpoint. */
  readonly healthCheckId: pulumi.Input<string>;
}

/** The tiers of both regions, and the traffic failover that checks them. */
export interface StackTiers {
  readonly regions: Readonly<Record<RegionRole, AwsRegion>>;
  readonly data: Readonly<Record<RegionRole, DataTier>>;
  readonly orchestration: Readonly<Record<RegionRole, OrchestrationTier>>;
  readonly compute: Readonly<Record<RegionRole, ComputeTier>>;
  readonly traffic: TrafficFailover;
}

/** A region's signals, read off its tiers: built once, for its alarms and for the dashboard. */
export function regionSignals(role: RegionRole, tiers: StackTiers): RegionSignals {
  const { data, orchestration, compute } = tiers;
  const functions = compute[role].functionNames;
  return {
    role,
    region: tiers.regions[role],
    peerRegion: tiers.regions[peerOf(role)],
    apiName: compute[role].restApiName,
    functions: {
      "payments-api": functions.api,
      "payments-processor": functions.processor,
      health: functions.health,
      sweeper: functions.sweeper,
      authorize: orchestration[role].authorizeFunctionName,
    },
    stateMachineArn: orchestration[role].stateMachineArn,
    tableName: data[role].tableName,
    clusterIdentifier: data[role].clusterIdentifier,
    bucket: data[role].receiptsBucket,
    peerBucket: data[peerOf(role)].receiptsBucket,
    deadLetterQueue: compute[role].deadLetterQueueName,
    repairQueue: orchestration[role].repairQueueName,
    repairDeadLetterQueue: orchestration[role].repairDeadLetterQueueName,
    healthCheckId: tiers.traffic.endpointHealthCheckIds[role],
  };
}

export interface RegionAlarmsArgs {
  readonly signals: RegionSignals;
  readonly namer: Namer;
  readonly keyArn: pulumi.Input<string>;
  readonly thresholds: StackConfig["alarms"];
  /** Subscribed to the alarms topic by e-mail (the recipient confirms the subscription). */
  readonly alertEmail: string | undefined;
  /** Route 53 health checks by region, given in us-east-1 only: Route 53 publishes there. */
  readonly healthCheckIds?: Readonly<Record<string, pulumi.Input<string>>>;
  /** The failover tier's logical name: the alarms kept the names they had under it. */
  readonly tierName: string;
  /** Where the topic and the dead-letter alarm stood before they joined the region's alarms. */
  readonly formerly: { readonly topic: FormerPlace; readonly deadLetterAlarm: FormerPlace };
}

interface AlarmSpec {
  readonly base: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, pulumi.Input<string>>;
  readonly statistic?: string;
  readonly extendedStatistic?: string;
  readonly threshold: number;
  readonly comparison?: string;
}

/**
 * The signals that mean the region cannot take payments, judged here: a rate of API failures over
 * `alarmEvaluationPeriods` consecutive minutes. A lone Lambda error, throttle or timed-out
 * workflow alerts but never starts an AllowDataLoss failover; an outage that takes this region's
 * CloudWatch down with it is seen from the other side (./peer-watch.ts).
 */
const CRITICAL = ["api-5xx"];

interface Orchestrator {
  readonly arn: pulumi.Input<string>;
  readonly permission: pulumi.Resource;
}

export class RegionAlarms extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;
  /** The composite alarm the other region's orchestrator treats as critical. */
  readonly regionImpairedAlarmName: string;
  readonly regionImpairedAlarmArn: pulumi.Output<string>;
  private readonly child: ChildOptions;
  private readonly tierName: string;
  private readonly namer: Namer;
  private readonly region: AwsRegion;

  constructor(name: string, args: RegionAlarmsArgs, opts: PartOptions) {
    super("payments:failover:RegionAlarms", name, {}, opts);
    const { namer, signals, thresholds, tierName } = args;
    const { region } = signals;
    const child = movedChild(this, { parent: opts.parent });
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

    const topic = new aws.sns.Topic(
      name,
      { name: namer.regional("snsTopic", "alarms", region), kmsMasterKeyId: args.keyArn },
      movedChild(this, args.formerly.topic),
    );
    new aws.sns.TopicPolicy(
      name,
      {
        arn: topic.arn,
        policy: policyDocument(
          [
            {
              sid: "ThisAccountsAlarmsPublish",
              principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
              actions: ["sns:Publish"],
              resources: [topic.arn],
              conditions: [
                { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
              ],
            },
            {
              // The failed-backup rule below. No Condition: EventBridge User Guide, "Amazon SNS
              // permissions": conditions in SNS topic policies for EventBridge stop every delivery
              // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
              sid: "FailedBackupJobsPublish",
              principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
              actions: ["sns:Publish"],
              resources: [topic.arn],
            },
          ],
          child,
        ),
      },
      movedChild(this, args.formerly.topic),
    );
    // A backup, copy or restore test that fails is a gap in the recovery points: it pages the day
    // it starts, through the alarms topic (any job of the account in this region).
    const failedBackups = new aws.cloudwatch.EventRule(
      `${tierName}-failed-backup-jobs`,
      {
        name: namer.regional("eventRule", "failed-backup-jobs", region),
        description: "AWS Backup backup, copy and restore jobs that failed, aborted or expired",
        eventPattern: JSON.stringify(FAILED_BACKUP_JOB_PATTERN),
      },
      child,
    );
    new aws.cloudwatch.EventTarget(
      `${tierName}-failed-backup-jobs`,
      { rule: failedBackups.name, arn: topic.arn },
      child,
    );
    const actions = [topic.arn];
    if (args.alertEmail !== undefined) {
      new aws.sns.TopicSubscription(
        `${tierName}-alert-email`,
        { topic: topic.arn, protocol: "email", endpoint: args.alertEmail },
        child,
      );
    }

    const specs: AlarmSpec[] = [
      {
        base: "api-5xx",
        description: `More than ${thresholds.api5xxPercent} % of API requests answer 5xx`,
        namespace: "AWS/ApiGateway",
        metricName: "5XXError",
        dimensions: { ApiName: signals.apiName, Stage: API_STAGE },
        statistic: "Average",
        threshold: thresholds.api5xxPercent / 100,
      },
      {
        base: "api-p99-latency",
        description: `API p99 latency over ${thresholds.apiP99LatencyMs} ms`,
        namespace: "AWS/ApiGateway",
        metricName: "Latency",
        dimensions: { ApiName: signals.apiName, Stage: API_STAGE },
        extendedStatistic: "p99",
        threshold: thresholds.apiP99LatencyMs,
      },
      ...Object.entries(signals.functions).flatMap(([short, functionName]) => [
        {
          base: `${short}-errors`,
          description: `The ${short} function fails invocations`,
          namespace: "AWS/Lambda",
          metricName: "Errors",
          dimensions: { FunctionName: functionName },
          statistic: "Sum",
          threshold: 0,
        },
        {
          base: `${short}-throttles`,
          description: `The ${short} function is throttled (reserved concurrency reached)`,
          namespace: "AWS/Lambda",
          metricName: "Throttles",
          dimensions: { FunctionName: functionName },
          statistic: "Sum",
          threshold: 0,
        },
      ]),
      {
        base: "workflow-failed",
        description: `More than ${thresholds.workflowFailuresPerMinute} payment workflows a minute end failed (declines, and payments left RECEIVED for another delivery, included)`,
        namespace: "AWS/States",
        metricName: "ExecutionsFailed",
        dimensions: { StateMachineArn: signals.stateMachineArn },
        statistic: "Sum",
        threshold: thresholds.workflowFailuresPerMinute,
      },
      {
        base: "workflow-timed-out",
        description: "Payment workflows time out: payments stop without an outcome",
        namespace: "AWS/States",
        metricName: "ExecutionsTimedOut",
        dimensions: { StateMachineArn: signals.stateMachineArn },
        statistic: "Sum",
        threshold: 0,
      },
      {
        // A parked payment took money and has no receipt or event yet; the repair queue delivers
        // it again every 15 minutes until someone fixes what fails. NumberOfMessagesSent counts
        // delayed messages when they are sent
        // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
        base: "payments-parked",
        description:
          "Payments were parked for repair: their ledger entry was attempted and a later step kept failing. They stay RECEIVED and are retried every 15 minutes; find the failing step in the workflow's failed executions (Payment.Parked).",
        namespace: "AWS/SQS",
        metricName: "NumberOfMessagesSent",
        dimensions: { QueueName: signals.repairQueue },
        statistic: "Sum",
        threshold: 0,
      },
      ...(
        [
          [
            "payments-swept",
            "PaymentsRequeued",
            "The sweeper re-queued payments left RECEIVED longer than sweeperMinAgeSeconds: a message was lost or a region could not be drained. They settle now; find why they stalled.",
          ],
          [
            "ledger-entries-restored",
            "LedgerEntriesRestored",
            "The reconciler re-recorded ledger entries of COMPLETED payments the ledger lacked: an unplanned failover lost them within Aurora's RPO. Review the restored entries.",
          ],
        ] as const
      ).map(([base, metricName, description]) => ({
        // Published by the sweeper in Embedded Metric Format (handlers/sweeper.lambda.ts).
        base,
        description,
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensions: { service: METRICS_SERVICE },
        statistic: "Sum",
        threshold: 0,
      })),
      {
        base: "payments-repair-dlq-not-empty",
        description:
          "Parked payments reached the repair queue's dead-letter queue: the processor kept refusing them (a region that is not the active writer keeps its messages). Redrive them to the active region's repair queue.",
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: signals.repairDeadLetterQueue },
        statistic: "Maximum",
        threshold: 0,
      },
      {
        base: "dynamodb-replication-latency",
        description: `Payments reach ${signals.peerRegion} more than ${thresholds.dynamodbReplicationLatencyMs} ms late`,
        namespace: "AWS/DynamoDB",
        metricName: "ReplicationLatency",
        dimensions: { TableName: signals.tableName, ReceivingRegion: signals.peerRegion },
        statistic: "Average",
        threshold: thresholds.dynamodbReplicationLatencyMs,
      },
      ...(["ReadThrottleEvents", "WriteThrottleEvents"] as const).map((metricName) => ({
        base: `dynamodb-${metricName === "ReadThrottleEvents" ? "read" : "write"}-throttles`,
        description: `The payments table throttles ${metricName === "ReadThrottleEvents" ? "reads" : "writes"}`,
        namespace: "AWS/DynamoDB",
        metricName,
        dimensions: { TableName: signals.tableName },
        statistic: "Sum",
        threshold: 0,
      })),
      ...(
        [
          ["aurora-rpo-lag", "AuroraGlobalDBRPOLag", "RPO lag", thresholds.auroraRpoLagMs],
          [
            "aurora-replication-lag",
            "AuroraGlobalDBReplicationLag",
            "replication lag",
            thresholds.auroraReplicationLagMs,
          ],
        ] as const
      ).map(([base, metricName, what, threshold]) => ({
        base,
        description: `The ledger's global database ${what} is over ${threshold} ms`,
        namespace: "AWS/RDS",
        metricName,
        dimensions: { DBClusterIdentifier: signals.clusterIdentifier },
        statistic: "Maximum",
        threshold,
      })),
      ...(
        [
          [
            "s3-replication-latency",
            "ReplicationLatency",
            "Maximum",
            thresholds.s3ReplicationLatencySeconds,
          ],
          ["s3-replication-failed", "OperationsFailedReplication", "Sum", 0],
        ] as const
      ).map(([base, metricName, statistic, threshold]) => ({
        base,
        description:
          metricName === "ReplicationLatency"
            ? `Receipts reach ${signals.peerRegion} more than ${threshold} s late`
            : `Receipts fail to replicate to ${signals.peerRegion}`,
        namespace: "AWS/S3",
        metricName,
        dimensions: {
          SourceBucket: signals.bucket,
          DestinationBucket: signals.peerBucket,
          RuleId: `to-${signals.peerRegion}`,
        },
        statistic,
        threshold,
      })),
    ];

    for (const [checkedRegion, healthCheckId] of Object.entries(args.healthCheckIds ?? {})) {
      specs.push({
        base: `health-check-${checkedRegion}`,
        description: `Route 53 finds the API of ${checkedRegion} unhealthy: traffic moves away from it`,
        namespace: "AWS/Route53",
        metricName: "HealthCheckStatus",
        dimensions: { HealthCheckId: healthCheckId },
        statistic: "Minimum",
        threshold: 1,
        comparison: "LessThanThreshold",
      });
    }

    const names: Record<string, pulumi.Output<string>> = {};
    for (const spec of specs) {
      const alarm = new aws.cloudwatch.MetricAlarm(
        `${tierName}-${spec.base}`,
        {
          name: namer.regional("cloudwatchAlarm", spec.base, region),
          alarmDescription: spec.description,
          namespace: spec.namespace,
          metricName: spec.metricName,
          dimensions: spec.dimensions,
          statistic: spec.statistic,
          extendedStatistic: spec.extendedStatistic,
          period: 60,
          evaluationPeriods: thresholds.evaluationPeriods,
          threshold: spec.threshold,
          comparisonOperator: spec.comparison ?? "GreaterThanThreshold",
          // A health check always reports; if its metric stops, something is wrong.
          treatMissingData: spec.namespace === "AWS/Route53" ? "breaching" : "notBreaching",
          alarmActions: actions,
          okActions: actions,
        },
        child,
      );
      names[spec.base] = alarm.name;
    }

    new aws.cloudwatch.MetricAlarm(
      `${name}-payments-dlq`,
      {
        name: namer.regional("cloudwatchAlarm", "payments-dlq-not-empty", region),
        alarmDescription:
          "Payments reached the dead-letter queue: they were accepted but their workflow never started. Inspect, fix, then redrive to the payments queue.",
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: signals.deadLetterQueue },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 1,
        threshold: 0,
        comparisonOperator: "GreaterThanThreshold",
        // SQS stops publishing for a queue idle for 6 hours: an empty, quiet DLQ is healthy.
        treatMissingData: "notBreaching",
        alarmActions: actions,
        okActions: actions,
      },
      movedChild(this, args.formerly.deadLetterAlarm),
    );

    this.regionImpairedAlarmName = namer.regional("cloudwatchAlarm", "region-impaired", region);
    const impaired = new aws.cloudwatch.CompositeAlarm(
      `${tierName}-region-impaired`,
      {
        alarmName: this.regionImpairedAlarmName,
        alarmDescription: `${region} cannot take payments: the other region's orchestrator may fail the write path over`,
        alarmRule: pulumi
          .all(CRITICAL.map((base) => names[base]))
          .apply((alarms) => alarms.map((a) => `ALARM("${a}")`).join(" OR ")),
        alarmActions: actions,
        okActions: actions,
      },
      child,
    );

    this.topicArn = topic.arn;
    this.regionImpairedAlarmArn = impaired.arn;
    this.child = child;
    this.tierName = tierName;
    this.namer = namer;
    this.region = region;
    this.registerOutputs({
      topicArn: this.topicArn,
      regionImpairedAlarmArn: this.regionImpairedAlarmArn,
    });
  }

  /**
   * Delivers the region-impaired alarm to the other region's failover orchestrator: a cross-region
   * Lambda subscription, which lives here, with the topic, in this region.
   */
  reportImpairmentTo(orchestrator: Orchestrator): void {
    this.deliver("impaired-to-peer-orchestrator", [this.regionImpairedAlarmName], orchestrator);
  }

  /** Delivers these alarms (and nothing else: a message-body filter) to an orchestrator. */
  deliver(suffix: string, alarmNames: readonly string[], orchestrator: Orchestrator): void {
    new aws.sns.TopicSubscription(
      `${this.tierName}-${suffix}`,
      {
        topic: this.topicArn,
        protocol: "lambda",
        endpoint: orchestrator.arn,
        filterPolicyScope: "MessageBody",
        filterPolicy: JSON.stringify({ AlarmName: alarmNames }),
      },
      { ...this.child, dependsOn: [orchestrator.permission] },
    );
  }

  /** The name of this region's alarm on the Route 53 check of `checkedRegion`. */
  healthCheckAlarmName(checkedRegion: string): string {
    return this.namer.regional("cloudwatchAlarm", `health-check-${checkedRegion}`, this.region);
  }
}
