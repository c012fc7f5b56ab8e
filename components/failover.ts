/**
 * The failover tier of one region: the CloudWatch alarms on the region's golden signals and
 * replication, each publishing to the region's alarms topic (ALARM and OK), and the composite
 * "region impaired" alarm that the failover orchestrator of the other region treats as critical.
 *
 * `treatMissingData` is chosen per alarm: the service metrics here are published only when there
 * is traffic or replication to measure (no requests, no 5xx datapoints; the writer cluster
 * publishes no global-database lag), so their missing data is healthy ("notBreaching"). Route 53
 * reports a health check's status every minute, so a missing status is itself a failure
 * ("breaching"); those alarms live in us-east-1, where Route 53 publishes.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { API_STAGE } from "./compute";
import type { StackConfig } from "./config";
import { rolePolicy, serviceRole } from "./iam";
import type { Namer } from "./naming";
import type { AwsRegion } from "./regions";

export interface FailoverTierArgs {
  readonly region: AwsRegion;
  readonly peerRegion: AwsRegion;
  readonly namer: Namer;
  readonly alarmsTopicArn: pulumi.Input<string>;
  readonly thresholds: StackConfig["alarms"];
  /** Subscribed to the alarms topic by e-mail (the recipient confirms the subscription). */
  readonly alertEmail: string | undefined;
  /**
   * The Route 53 health checks of both regions, given to the tier in us-east-1 only: Route 53
   * publishes health-check metrics there and nowhere else.
   */
  readonly healthCheckIds?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Given to the primary region's tier when the stack enables it: an EventBridge global endpoint
   * that sends events to the primary's bus while its health check passes, to the secondary's
   * otherwise, and replicates them between the two.
   */
  readonly globalEventEndpoint?: {
    readonly primaryBusArn: pulumi.Input<string>;
    readonly secondaryBusArn: pulumi.Input<string>;
    readonly secondaryRegion: string;
    readonly healthCheckArn: pulumi.Input<string>;
  };
  readonly signals: {
    readonly apiName: pulumi.Input<string>;
    /** Handler functions by their short name (`payments-api`, …). */
    readonly functions: Readonly<Record<string, pulumi.Input<string>>>;
    readonly stateMachineArn: pulumi.Input<string>;
    readonly tableName: pulumi.Input<string>;
    readonly clusterIdentifier: pulumi.Input<string>;
    readonly bucket: pulumi.Input<string>;
    readonly peerBucket: pulumi.Input<string>;
  };
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

export class FailoverTier extends pulumi.ComponentResource {
  /** Alarm names by short name (`api-5xx`, …): what the dashboard and orchestrator refer to. */
  readonly alarmNames: Readonly<Record<string, pulumi.Output<string>>>;
  /** The composite alarm the other region's orchestrator treats as critical. */
  readonly regionImpairedAlarmName: string;
  readonly regionImpairedAlarmArn: pulumi.Output<string>;
  /** The global endpoint's URL, when this tier owns one. */
  readonly eventEndpointUrl: pulumi.Output<string> | undefined;

  constructor(name: string, args: FailoverTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:FailoverTier", name, {}, opts);
    const { namer, region, signals, thresholds } = args;
    const actions = [args.alarmsTopicArn];
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
        description: `More than ${thresholds.workflowFailuresPerMinute} payment workflows a minute end FAILED (declines included)`,
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
        base: "dynamodb-replication-latency",
        description: `Payments reach ${args.peerRegion} more than ${thresholds.dynamodbReplicationLatencyMs} ms late`,
        namespace: "AWS/DynamoDB",
        metricName: "ReplicationLatency",
        dimensions: { TableName: signals.tableName, ReceivingRegion: args.peerRegion },
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
            ? `Receipts reach ${args.peerRegion} more than ${threshold} s late`
            : `Receipts fail to replicate to ${args.peerRegion}`,
        namespace: "AWS/S3",
        metricName,
        dimensions: {
          SourceBucket: signals.bucket,
          DestinationBucket: signals.peerBucket,
          RuleId: `to-${args.peerRegion}`,
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
        `${name}-${spec.base}`,
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
        { parent: this },
      );
      names[spec.base] = alarm.name;
    }

    // The signals that mean the region cannot take payments: the API fails or the workflow stalls.
    const critical = [
      "api-5xx",
      "payments-api-errors",
      "workflow-timed-out",
      "dynamodb-write-throttles",
    ];
    this.regionImpairedAlarmName = namer.regional("cloudwatchAlarm", "region-impaired", region);
    const impaired = new aws.cloudwatch.CompositeAlarm(
      `${name}-region-impaired`,
      {
        alarmName: this.regionImpairedAlarmName,
        alarmDescription: `${region} cannot take payments: the other region's orchestrator may fail the write path over`,
        alarmRule: pulumi
          .all(critical.map((base) => names[base]))
          .apply((alarms) => alarms.map((a) => `ALARM("${a}")`).join(" OR ")),
        alarmActions: actions,
        okActions: actions,
      },
      { parent: this },
    );

    if (args.alertEmail !== undefined) {
      new aws.sns.TopicSubscription(
        `${name}-alert-email`,
        { topic: args.alarmsTopicArn, protocol: "email", endpoint: args.alertEmail },
        { parent: this },
      );
    }

    this.eventEndpointUrl =
      args.globalEventEndpoint === undefined
        ? undefined
        : this.eventEndpoint(name, args, args.globalEventEndpoint).endpointUrl;
    this.alarmNames = names;
    this.regionImpairedAlarmArn = impaired.arn;
    this.registerOutputs({
      regionImpairedAlarmName: this.regionImpairedAlarmName,
      regionImpairedAlarmArn: this.regionImpairedAlarmArn,
    });
  }

  private eventEndpoint(
    name: string,
    args: FailoverTierArgs,
    endpoint: NonNullable<FailoverTierArgs["globalEventEndpoint"]>,
  ): aws.cloudwatch.EventEndpoint {
    const role = serviceRole(
      `${name}-event-replication`,
      {
        roleName: args.namer.regional("iamRole", "event-replication", args.region),
        service: "events.amazonaws.com",
      },
      this,
    );
    const policy = rolePolicy(
      `${name}-event-replication`,
      role,
      [
        {
          sid: "ReplicateToBothPaymentBuses",
          actions: ["events:PutEvents"],
          resources: [endpoint.primaryBusArn, endpoint.secondaryBusArn],
        },
      ],
      this,
    );
    return new aws.cloudwatch.EventEndpoint(
      `${name}-events`,
      {
        name: args.namer.global("eventEndpoint", "payments"),
        description:
          "Payment events: the primary's bus while its API is healthy, else the secondary's",
        eventBuses: [
          { eventBusArn: endpoint.primaryBusArn },
          { eventBusArn: endpoint.secondaryBusArn },
        ],
        roleArn: role.arn,
        replicationConfig: { state: "ENABLED" },
        routingConfig: {
          failoverConfig: {
            primary: { healthCheck: endpoint.healthCheckArn },
            secondary: { route: endpoint.secondaryRegion },
          },
        },
      },
      { parent: this, dependsOn: [policy] },
    );
  }
}
