/**
 * The write path's failover in one region: the runbook (a state machine that moves the writes
 * here, definitions/failover-runbook.ts), its Lambda steps, the table of its runs, and the
 * orchestrator that starts it when the other region's region-impaired alarm fires (delivered by
 * that region's alarms topic) or when an operator invokes it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  failoverRunbookDefinition,
  STEP_FUNCTION_TIMEOUT_SECONDS,
} from "../../definitions/failover-runbook";
import { failoverOrchestratorHandler } from "../../handlers/failover-orchestrator.lambda";
import { failoverStepsHandler } from "../../handlers/failover-steps.lambda";
import { ACTIVE_REGION_CACHE_MAX_MS } from "../../model/quotas";
import {
  FAILOVER_ORCHESTRATOR_RESERVED_CONCURRENCY,
  FAILOVER_STEPS_RESERVED_CONCURRENCY,
  type StackConfig,
} from "../../model/config";
import type { Namer } from "../../model/naming";
import { runbookBudget } from "../../model/recovery";
import type { AwsRegion } from "../../model/regions";
import { handlerFunction } from "../building-blocks/lambda";
import type { RegionProcessing } from "../compute";
import { type ChildOptions, movedChild, type PartOptions } from "../building-blocks/parts";
import { encryptedStateMachine } from "../building-blocks/state-machine";

export interface WriteFailoverArgs {
  readonly region: AwsRegion;
  readonly peerRegion: AwsRegion;
  readonly namer: Namer;
  readonly keyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  /** Protects the table of runs (an audit trail of every failover) from deletion. */
  readonly protectData: boolean;
  readonly thresholds: StackConfig["alarms"];
  readonly paymentsTableName: pulumi.Input<string>;
  readonly globalClusterIdentifier: pulumi.Input<string>;
  readonly clusterArn: pulumi.Input<string>;
  readonly clusterIdentifier: pulumi.Input<string>;
  /** The other region's member of the global database: switching demotes or promotes it too. */
  readonly peerClusterArn: pulumi.Input<string>;
  readonly activeRegionParameter: pulumi.Input<string>;
  readonly activeRegionParameterArn: pulumi.Input<string>;
  readonly peerActiveRegionParameterArn: pulumi.Input<string>;
  /** This region's processing (resumed when it takes the writes) and the old region's. */
  readonly processing: RegionProcessing;
  readonly peerProcessing: RegionProcessing;
  /** The old region's key: its queued payments are decrypted to move them here. */
  readonly peerKeyArn: pulumi.Input<string>;
  /** The planned drain's bound (the paused processor's last batches finish within it). */
  readonly drainWaitSeconds: number;
  /** This region's alarms topic: the runbook notifies through it. */
  readonly alarmsTopicArn: pulumi.Input<string>;
  /** This region's API health endpoint (`https://<region>.api.<zone>/health?role=active`). */
  readonly healthUrl: pulumi.Input<string>;
  /** The other region's (`https://<region>.api.<zone>/health`): the orchestrator confirms peer-down. */
  readonly peerHealthUrl: pulumi.Input<string>;
  readonly rules: StackConfig["writeFailover"];
  /** With ARC: the runbook turns this region's routing control on and the other's off. */
  readonly routingControls?: {
    readonly clusterEndpoints: pulumi.Input<{ endpoint: string; region: string }[]>;
    readonly controlArn: pulumi.Input<string>;
    readonly peerControlArn: pulumi.Input<string>;
  };
  /** The failover tier's logical name: these resources kept the names they had under it. */
  readonly tierName: string;
}

type Bounds = Record<"planned" | "unplanned", { nominalSeconds: number; worstCaseSeconds: number }>;

export class WriteFailover extends pulumi.ComponentResource {
  /** The failover runbook that moves the write path to this region. */
  readonly runbookArn: pulumi.Output<string>;
  readonly orchestratorArn: pulumi.Output<string>;
  readonly orchestratorFunctionName: pulumi.Output<string>;
  readonly runsTableName: pulumi.Output<string>;
  /** How long the runbook's runs can take, read from its definition (see model/recovery.ts). */
  readonly runbookBounds: pulumi.Output<Bounds>;
  private readonly child: ChildOptions;
  private readonly tierName: string;

  constructor(name: string, args: WriteFailoverArgs, opts: PartOptions) {
    super("payments:failover:WriteFailover", name, {}, opts);
    const { namer, region, peerRegion, thresholds, tierName } = args;
    const child = movedChild(this, { parent: opts.parent });
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const runbookName = namer.regional("sfnStateMachine", "failover-runbook", region);
    const peerRunbookName = namer.regional("sfnStateMachine", "failover-runbook", peerRegion);
    // The other region's runbook is built by its own tier, after or before this one: its ARN is
    // known from its name.
    const peerRunbookArn = pulumi.interpolate`arn:aws:states:${peerRegion}:${account}:stateMachine:${peerRunbookName}`;
    const globalClusterArn = pulumi.interpolate`arn:aws:rds::${account}:global-cluster:${args.globalClusterIdentifier}`;

    const runs = new aws.dynamodb.Table(
      `${tierName}-runs`,
      {
        name: namer.regional("dynamodbTable", "failover-runs", region),
        billingMode: "PAY_PER_REQUEST",
        hashKey: "runId",
        attributes: [{ name: "runId", type: "S" }],
        serverSideEncryption: { enabled: true, kmsKeyArn: args.keyArn },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: args.protectData,
      },
      { ...child, protect: args.protectData },
    );

    const steps = handlerFunction(
      `${tierName}-steps`,
      {
        base: "failover-steps",
        description:
          "Failover runbook steps: replication lag, the global database, fencing, pausing and draining, health, run records",
        callback: failoverStepsHandler,
        region,
        namer,
        keyArn: args.keyArn,
        logRetentionDays: args.logRetentionDays,
        statements: [
          {
            // GetMetricData takes no resource-level permissions.
            sid: "ReadReplicationLag",
            actions: ["cloudwatch:GetMetricData"],
            resources: ["*"],
          },
          {
            // DescribeGlobalClusters takes the global-cluster resource type (Service Authorization
            // Reference, Amazon RDS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html).
            sid: "ReadTheGlobalDatabase",
            actions: ["rds:DescribeGlobalClusters"],
            resources: [globalClusterArn],
          },
          {
            sid: "FenceTheOldRegion",
            actions: ["ssm:PutParameter"],
            resources: [args.peerActiveRegionParameterArn],
          },
          {
            sid: "MeasureTheRun",
            actions: ["states:GetExecutionHistory"],
            resources: [
              pulumi.interpolate`arn:aws:states:${region}:${account}:execution:${runbookName}:*`,
            ],
          },
          { sid: "RecordTheRun", actions: ["dynamodb:PutItem"], resources: [runs.arn] },
          {
            // UpdateEventSourceMapping takes the eventSourceMapping resource type
            // (arn:…:lambda:<region>:<account>:event-source-mapping:<UUID>; Service Authorization
            // Reference, AWS Lambda: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
            sid: "PauseAndResumeProcessing",
            actions: ["lambda:UpdateEventSourceMapping"],
            resources: [...args.processing.mappingArns, ...args.peerProcessing.mappingArns],
          },
          {
            // A consumer of an SSE-KMS queue needs kms:Decrypt; a producer kms:GenerateDataKey
            // and kms:Decrypt (Amazon SQS Developer Guide, "Key management":
            // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
            sid: "TakeTheOldRegionsBacklog",
            actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            resources: [...args.peerProcessing.queueArns],
          },
          {
            sid: "DecryptTheOldRegionsBacklog",
            actions: ["kms:Decrypt"],
            resources: [args.peerKeyArn],
          },
          {
            sid: "QueueTheBacklogHere",
            actions: ["sqs:SendMessage"],
            resources: [args.processing.paymentsQueueArn],
          },
          {
            sid: "EncryptTheBacklogHere",
            actions: ["kms:GenerateDataKey", "kms:Decrypt"],
            resources: [args.keyArn],
          },
          {
            sid: "SeeTheOldRegionsWorkflows",
            actions: ["states:ListExecutions"],
            resources: [args.peerProcessing.stateMachineArn],
          },
          ...(args.routingControls === undefined
            ? []
            : [
                {
                  sid: "RouteTraffic",
                  actions: ["route53-recovery-cluster:UpdateRoutingControlStates"],
                  resources: [args.routingControls.controlArn, args.routingControls.peerControlArn],
                },
              ]),
        ],
        environment: { RUNS_TABLE: runs.name },
        timeoutSeconds: STEP_FUNCTION_TIMEOUT_SECONDS,
        memoryMb: 256,
        reservedConcurrency: FAILOVER_STEPS_RESERVED_CONCURRENCY,
      },
      child,
    );

    const definition = pulumi
      .output({
        stepsFunctionArn: steps.arn,
        runsTable: runs.name,
        globalClusterIdentifier: args.globalClusterIdentifier,
        clusterArn: args.clusterArn,
        clusterIdentifier: args.clusterIdentifier,
        paymentsTable: args.paymentsTableName,
        activeRegionParameter: args.activeRegionParameter,
        alarmsTopicArn: args.alarmsTopicArn,
        healthUrl: args.healthUrl,
        routingControls: args.routingControls,
        processing: {
          mappings: args.processing.mappingUuids,
          peerMappings: args.peerProcessing.mappingUuids,
          queueUrl: args.processing.paymentsQueueUrl,
          peerQueueUrls: args.peerProcessing.queueUrls,
          peerStateMachineArn: args.peerProcessing.stateMachineArn,
        },
      })
      .apply((resolved) =>
        JSON.stringify(
          failoverRunbookDefinition({
            ...resolved,
            region,
            peerRegion,
            drainWaitSeconds: args.drainWaitSeconds,
            // Planned switchovers wait for the lag the RPO alarm allows.
            lagThresholdMs: thresholds.auroraRpoLagMs,
            fenceSettleSeconds: Math.ceil(
              (ACTIVE_REGION_CACHE_MAX_MS + thresholds.dynamodbReplicationLatencyMs) / 1000,
            ),
          }),
        ),
      );
    const runbook = encryptedStateMachine(
      {
        logicalName: `${tierName}-runbook`,
        roleLogicalName: `${tierName}-runbook`,
        name: runbookName,
        roleName: namer.regional("iamRole", "failover-runbook", region),
        region,
        keyArn: args.keyArn,
        logRetentionDays: args.logRetentionDays,
        // Runs are rare and every step matters in a review: log them whole.
        logLevel: "ALL",
        statements: [
          { sid: "RunTheSteps", actions: ["lambda:InvokeFunction"], resources: [steps.arn] },
          { sid: "RecordTheStart", actions: ["dynamodb:PutItem"], resources: [runs.arn] },
          {
            // Both calls act on the global cluster and on both members: the one promoted here and
            // the writer they demote elsewhere. AWS's sample policy for Aurora global failover
            // lists all three: https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_aurora.html
            sid: "SwitchTheGlobalDatabase",
            actions: ["rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"],
            resources: [globalClusterArn, args.clusterArn, args.peerClusterArn],
          },
          {
            sid: "TakeTheWrites",
            actions: ["ssm:PutParameter"],
            resources: [args.activeRegionParameterArn],
          },
          { sid: "Notify", actions: ["sns:Publish"], resources: [args.alarmsTopicArn] },
        ],
        definition,
      },
      child,
    );

    const peerImpaired = namer.regional("cloudwatchAlarm", "region-impaired", peerRegion);
    const orchestrator = handlerFunction(
      `${tierName}-orchestrator`,
      {
        base: "failover-orchestrator",
        description: `Starts the failover runbook into ${region} on ${peerRegion}'s region-impaired alarm or an operator's call`,
        callback: failoverOrchestratorHandler,
        region,
        namer,
        keyArn: args.keyArn,
        logRetentionDays: args.logRetentionDays,
        statements: [
          {
            sid: "ReadTheActiveRegion",
            actions: ["ssm:GetParameter"],
            resources: [args.activeRegionParameterArn],
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
          PEER_HEALTH_URL: args.peerHealthUrl,
          ACTIVE_REGION_PARAMETER: args.activeRegionParameter,
          // The other region's own verdict (its region-impaired composite, delivered by its
          // topic) and this region's view of it (peer-down, from the peer watch here).
          CRITICAL_ALARMS: [
            `${peerImpaired}@${peerRegion}`,
            `${namer.regional("cloudwatchAlarm", "peer-down", region)}@${region}`,
          ].join(","),
          AUTOMATIC_WRITE_FAILOVER: String(args.rules.automatic),
          INCIDENT_WINDOW_SECONDS: String(args.rules.incidentWindowSeconds),
        },
        timeoutSeconds: 30,
        memoryMb: 256,
        reservedConcurrency: FAILOVER_ORCHESTRATOR_RESERVED_CONCURRENCY,
      },
      child,
    );
    this.runbookArn = runbook.arn;
    this.orchestratorArn = orchestrator.arn;
    this.orchestratorFunctionName = orchestrator.name;
    this.runsTableName = runs.name;
    this.runbookBounds = definition.apply((text) => {
      const parsed = JSON.parse(text) as Parameters<typeof runbookBudget>[0];
      const bounds = (mode: "planned" | "unplanned") => {
        const { nominalSeconds, worstCaseSeconds } = runbookBudget(parsed, mode);
        return { nominalSeconds, worstCaseSeconds };
      };
      return { planned: bounds("planned"), unplanned: bounds("unplanned") };
    });
    this.child = child;
    this.tierName = tierName;
    this.registerOutputs({
      runbookArn: this.runbookArn,
      orchestratorFunctionName: this.orchestratorFunctionName,
      runsTableName: this.runsTableName,
    });
  }

  /** Lets an alarms topic (the other region's, or this region's own) invoke the orchestrator. */
  acceptAlarmsFrom(
    alarmsTopicArn: pulumi.Input<string>,
    whose: "peer" | "own",
  ): aws.lambda.Permission {
    return new aws.lambda.Permission(
      `${this.tierName}-orchestrator-from-${whose}-alarms`,
      {
        function: this.orchestratorFunctionName,
        action: "lambda:InvokeFunction",
        principal: "sns.amazonaws.com",
        sourceArn: alarmsTopicArn,
      },
      this.child,
    );
  }
}
