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
import { failoverOrchestratorHandler } from "../handlers/failover-orchestrator.lambda";
import { failoverStepsHandler } from "../handlers/failover-steps.lambda";
import { ACTIVE_REGION_CACHE_MS } from "../handlers/runtime";
import { API_STAGE } from "./compute";
import {
  FAILOVER_ORCHESTRATOR_RESERVED_CONCURRENCY,
  FAILOVER_STEPS_RESERVED_CONCURRENCY,
  type StackConfig,
} from "../model/config";
import {
  failoverRunbookDefinition,
  STEP_FUNCTION_TIMEOUT_SECONDS,
} from "../definitions/failover-runbook";
import { rolePolicy, serviceRole } from "./building-blocks/iam";
import { runbookBudget } from "../model/recovery";
import { handlerFunction } from "./building-blocks/lambda";
import { encryptedStateMachine } from "./building-blocks/state-machine";
import type { Namer } from "../model/naming";
import type { AwsRegion } from "../model/regions";

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
  /** What the failover runbook and orchestrator of this region act on. */
  readonly writePath: {
    readonly keyArn: pulumi.Input<string>;
    readonly logRetentionDays: number;
    /** Protects the table of runs (an audit trail of every failover) from deletion. */
    readonly protectData: boolean;
    readonly paymentsTableName: pulumi.Input<string>;
    readonly globalClusterIdentifier: pulumi.Input<string>;
    readonly clusterArn: pulumi.Input<string>;
    readonly clusterIdentifier: pulumi.Input<string>;
    readonly activeRegionParameter: pulumi.Input<string>;
    readonly activeRegionParameterArn: pulumi.Input<string>;
    readonly peerActiveRegionParameterArn: pulumi.Input<string>;
    /** The other region's alarms topic, where its region-impaired alarm publishes. */
    readonly peerAlarmsTopicArn: pulumi.Input<string>;
    /** This region's API health endpoint (`https://<region>.api.<zone>/health`). */
    readonly healthUrl: pulumi.Input<string>;
    readonly rules: StackConfig["writeFailover"];
    /** With ARC: the runbook turns this region's routing control on and the other's off. */
    readonly routingControls?: {
      readonly clusterEndpoints: pulumi.Input<{ endpoint: string; region: string }[]>;
      readonly controlArn: pulumi.Input<string>;
      readonly peerControlArn: pulumi.Input<string>;
    };
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
  /** The failover runbook that moves the write path to this region. */
  readonly runbookArn: pulumi.Output<string>;
  readonly orchestratorFunctionName: pulumi.Output<string>;
  readonly runsTableName: pulumi.Output<string>;
  /** How long the runbook's runs can take, read from its definition (see recovery.ts). */
  readonly runbookBounds: pulumi.Output<
    Record<"planned" | "unplanned", { nominalSeconds: number; worstCaseSeconds: number }>
  >;
  private readonly logicalName: string;
  private readonly alarmsTopicArn: pulumi.Input<string>;
  private readonly orchestrator: {
    readonly arn: pulumi.Output<string>;
    /** Lets the other region's alarms topic invoke it. */
    readonly permission: aws.lambda.Permission;
  };

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
    this.logicalName = name;
    this.alarmsTopicArn = args.alarmsTopicArn;
    const writePath = this.writePath(name, args);
    this.runbookArn = writePath.runbookArn;
    this.orchestratorFunctionName = writePath.orchestratorFunctionName;
    this.runsTableName = writePath.runsTableName;
    this.orchestrator = writePath.orchestrator;
    this.runbookBounds = writePath.runbookBounds;
    this.registerOutputs({
      runbookArn: this.runbookArn,
      orchestratorFunctionName: this.orchestratorFunctionName,
      runsTableName: this.runsTableName,
      regionImpairedAlarmName: this.regionImpairedAlarmName,
      regionImpairedAlarmArn: this.regionImpairedAlarmArn,
    });
  }

  /**
   * The write path's failover: the runbook (a state machine that moves the writes here), its
   * Lambda steps, the table of its runs, and the orchestrator that starts it when the other
   * region's region-impaired alarm fires (subscribed to that region's alarms topic) or when an
   * operator invokes it.
   */
  private writePath(
    name: string,
    args: FailoverTierArgs,
  ): {
    runbookArn: pulumi.Output<string>;
    orchestratorFunctionName: pulumi.Output<string>;
    runsTableName: pulumi.Output<string>;
    orchestrator: FailoverTier["orchestrator"];
    runbookBounds: FailoverTier["runbookBounds"];
  } {
    const { namer, region, peerRegion, thresholds } = args;
    const w = args.writePath;
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const runbookName = namer.regional("sfnStateMachine", "failover-runbook", region);
    const peerRunbookName = namer.regional("sfnStateMachine", "failover-runbook", peerRegion);
    // The other region's runbook is built by its own tier, after or before this one: its ARN is
    // known from its name.
    const peerRunbookArn = pulumi.interpolate`arn:aws:states:${peerRegion}:${account}:stateMachine:${peerRunbookName}`;
    const globalClusterArn = pulumi.interpolate`arn:aws:rds::${account}:global-cluster:${w.globalClusterIdentifier}`;

    const runs = new aws.dynamodb.Table(
      `${name}-runs`,
      {
        name: namer.regional("dynamodbTable", "failover-runs", region),
        billingMode: "PAY_PER_REQUEST",
        hashKey: "runId",
        attributes: [{ name: "runId", type: "S" }],
        serverSideEncryption: { enabled: true, kmsKeyArn: w.keyArn },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: w.protectData,
      },
      { ...parent, protect: w.protectData },
    );

    const steps = handlerFunction(
      `${name}-steps`,
      {
        base: "failover-steps",
        description:
          "Failover runbook steps: replication lag, fencing the old region, health, run records",
        callback: failoverStepsHandler,
        region,
        namer,
        keyArn: w.keyArn,
        logRetentionDays: w.logRetentionDays,
        statements: [
          {
            // GetMetricData takes no resource-level permissions.
            sid: "ReadReplicationLag",
            actions: ["cloudwatch:GetMetricData"],
            resources: ["*"],
          },
          {
            sid: "FenceTheOldRegion",
            actions: ["ssm:PutParameter"],
            resources: [w.peerActiveRegionParameterArn],
          },
          {
            sid: "MeasureTheRun",
            actions: ["states:GetExecutionHistory"],
            resources: [
              pulumi.interpolate`arn:aws:states:${region}:${account}:execution:${runbookName}:*`,
            ],
          },
          { sid: "RecordTheRun", actions: ["dynamodb:PutItem"], resources: [runs.arn] },
          ...(w.routingControls === undefined
            ? []
            : [
                {
                  sid: "RouteTraffic",
                  actions: ["route53-recovery-cluster:UpdateRoutingControlStates"],
                  resources: [w.routingControls.controlArn, w.routingControls.peerControlArn],
                },
              ]),
        ],
        environment: { RUNS_TABLE: runs.name },
        timeoutSeconds: STEP_FUNCTION_TIMEOUT_SECONDS,
        memoryMb: 256,
        reservedConcurrency: FAILOVER_STEPS_RESERVED_CONCURRENCY,
      },
      this,
    );

    const definition = pulumi
      .output({
        stepsFunctionArn: steps.arn,
        runsTable: runs.name,
        globalClusterIdentifier: w.globalClusterIdentifier,
        clusterArn: w.clusterArn,
        clusterIdentifier: w.clusterIdentifier,
        paymentsTable: w.paymentsTableName,
        activeRegionParameter: w.activeRegionParameter,
        alarmsTopicArn: args.alarmsTopicArn,
        healthUrl: w.healthUrl,
        routingControls: w.routingControls,
      })
      .apply((resolved) =>
        JSON.stringify(
          failoverRunbookDefinition({
            ...resolved,
            region,
            peerRegion,
            // Planned switchovers wait for the lag the RPO alarm allows.
            lagThresholdMs: thresholds.auroraRpoLagMs,
            fenceSettleSeconds: Math.ceil(
              (ACTIVE_REGION_CACHE_MS + thresholds.dynamodbReplicationLatencyMs) / 1000,
            ),
          }),
        ),
      );
    const runbook = encryptedStateMachine(
      {
        logicalName: `${name}-runbook`,
        roleLogicalName: `${name}-runbook`,
        name: runbookName,
        roleName: namer.regional("iamRole", "failover-runbook", region),
        keyArn: w.keyArn,
        logRetentionDays: w.logRetentionDays,
        // Runs are rare and every step matters in a review: log them whole.
        logLevel: "ALL",
        statements: [
          { sid: "RunTheSteps", actions: ["lambda:InvokeFunction"], resources: [steps.arn] },
          { sid: "RecordTheStart", actions: ["dynamodb:PutItem"], resources: [runs.arn] },
          {
            sid: "ReadTheGlobalDatabase",
            actions: ["rds:DescribeGlobalClusters"],
            resources: [globalClusterArn],
          },
          {
            sid: "PromoteThisRegionsCluster",
            actions: ["rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"],
            resources: [globalClusterArn, w.clusterArn],
          },
          {
            sid: "TakeTheWrites",
            actions: ["ssm:PutParameter"],
            resources: [w.activeRegionParameterArn],
          },
          { sid: "Notify", actions: ["sns:Publish"], resources: [args.alarmsTopicArn] },
        ],
        definition,
      },
      this,
    );

    const peerImpaired = namer.regional("cloudwatchAlarm", "region-impaired", peerRegion);
    const orchestrator = handlerFunction(
      `${name}-orchestrator`,
      {
        base: "failover-orchestrator",
        description: `Starts the failover runbook into ${region} on ${peerRegion}'s region-impaired alarm or an operator's call`,
        callback: failoverOrchestratorHandler,
        region,
        namer,
        keyArn: w.keyArn,
        logRetentionDays: w.logRetentionDays,
        statements: [
          {
            sid: "ReadTheActiveRegion",
            actions: ["ssm:GetParameter"],
            resources: [w.activeRegionParameterArn],
          },
          {
            sid: "SeeRunningRunbooks",
            actions: ["states:ListExecutions"],
            resources: [runbook.arn, peerRunbookArn],
          },
          { sid: "StartTheRunbook", actions: ["states:StartExecution"], resources: [runbook.arn] },
        ],
        environment: {
          PEER_REGION: peerRegion,
          RUNBOOK_ARN: runbook.arn,
          PEER_RUNBOOK_ARN: peerRunbookArn,
          ACTIVE_REGION_PARAMETER: w.activeRegionParameter,
          CRITICAL_ALARMS: peerImpaired,
          AUTOMATIC_WRITE_FAILOVER: String(w.rules.automatic),
          INCIDENT_WINDOW_SECONDS: String(w.rules.incidentWindowSeconds),
        },
        timeoutSeconds: 30,
        memoryMb: 256,
        reservedConcurrency: FAILOVER_ORCHESTRATOR_RESERVED_CONCURRENCY,
      },
      this,
    );
    const permission = new aws.lambda.Permission(
      `${name}-orchestrator-from-peer-alarms`,
      {
        function: orchestrator.name,
        action: "lambda:InvokeFunction",
        principal: "sns.amazonaws.com",
        sourceArn: w.peerAlarmsTopicArn,
      },
      parent,
    );
    return {
      runbookArn: runbook.arn,
      orchestratorFunctionName: orchestrator.name,
      runsTableName: runs.name,
      orchestrator: { arn: orchestrator.arn, permission },
      runbookBounds: definition.apply((text) => {
        const parsed = JSON.parse(text) as Parameters<typeof runbookBudget>[0];
        const bounds = (mode: "planned" | "unplanned") => {
          const { nominalSeconds, worstCaseSeconds } = runbookBudget(parsed, mode);
          return { nominalSeconds, worstCaseSeconds };
        };
        return { planned: bounds("planned"), unplanned: bounds("unplanned") };
      }),
    };
  }

  /**
   * Delivers this region's region-impaired alarm to the other region's orchestrator (a
   * cross-region Lambda subscription; it lives here, with the topic, in this region).
   */
  notifyPeerOrchestrator(peer: FailoverTier): void {
    new aws.sns.TopicSubscription(
      `${this.logicalName}-impaired-to-peer-orchestrator`,
      {
        topic: this.alarmsTopicArn,
        protocol: "lambda",
        endpoint: peer.orchestrator.arn,
        filterPolicyScope: "MessageBody",
        filterPolicy: JSON.stringify({ AlarmName: [this.regionImpairedAlarmName] }),
      },
      { parent: this, dependsOn: [peer.orchestrator.permission] },
    );
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
