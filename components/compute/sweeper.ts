/**
 * The sweeper of one region (handlers/sweeper.ts): a Lambda that EventBridge Scheduler runs every
 * few minutes. In the active writer it re-queues payments left RECEIVED and re-records ledger
 * entries an unplanned Aurora failover lost; in the standby it does nothing. Its counts are
 * CloudWatch metrics (namespace `Payments/Recovery`), which the failover tier alarms on.
 */
import * as pulumi from "@pulumi/pulumi";
import { PENDING_INDEX, SETTLED_INDEX } from "../../handlers/payment";
import { sweeperHandler } from "../../handlers/sweeper.lambda";
import { SWEEPER_RESERVED_CONCURRENCY } from "../../model/config";
import type { Namer } from "../../model/naming";
import type { AwsRegion } from "../../model/regions";
import { handlerFunction } from "../building-blocks/lambda";
import { scheduledInvocation } from "../building-blocks/schedule";
import { type PartOptions } from "../building-blocks/parts";
import { type LedgerEndpoint, ledgerAccess, ledgerEnvironment } from "../data/ledger";

/** How often the sweeper runs. */
export const SWEEP_EVERY_MINUTES = 5;
export const SWEEP_MAX_PER_RUN = 500;
/** The reconciler checks the settlements of this many hours, the current one included. */
export const RECONCILE_LOOKBACK_HOURS = 2;
export const SWEEPER_TIMEOUT_SECONDS = 120;

export interface SweeperArgs {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly keyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  readonly vpc: {
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly securityGroupId: pulumi.Input<string>;
  };
  readonly tableName: pulumi.Input<string>;
  readonly tableArn: pulumi.Input<string>;
  readonly activeRegionParameter: pulumi.Input<string>;
  readonly activeRegionParameterArn: pulumi.Input<string>;
  readonly ledger: LedgerEndpoint;
  readonly queueUrl: pulumi.Input<string>;
  readonly queueArn: pulumi.Input<string>;
  /**
   * A payment RECEIVED for longer than this is re-queued (`sweeperMinAgeSeconds`): far longer than
   * a payment takes when the path works (seconds), so the sweeper repairs only what was lost.
   */
  readonly minAgeSeconds: number;
}

export class Sweeper extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;

  constructor(name: string, args: SweeperArgs, opts: PartOptions) {
    super("payments:compute:Sweeper", name, {}, opts);
    const { namer, region } = args;
    const child = { parent: this };
    const fn = handlerFunction(
      name,
      {
        base: "sweeper",
        description:
          "Re-queues payments left RECEIVED and restores ledger entries a failover lost (active region only)",
        callback: sweeperHandler,
        region,
        namer,
        keyArn: args.keyArn,
        logRetentionDays: args.logRetentionDays,
        vpc: args.vpc,
        packages: ["@aws-lambda-powertools/metrics"],
        statements: [
          {
            sid: "ReadTheActiveRegion",
            actions: ["ssm:GetParameter"],
            resources: [args.activeRegionParameterArn],
          },
          {
            sid: "FindStaleAndSettledPayments",
            actions: ["dynamodb:Query"],
            resources: [
              pulumi.interpolate`${args.tableArn}/index/${PENDING_INDEX}`,
              pulumi.interpolate`${args.tableArn}/index/${SETTLED_INDEX}`,
            ],
          },
          {
            sid: "ClaimRequeues",
            actions: ["dynamodb:UpdateItem"],
            resources: [args.tableArn],
          },
          { sid: "RequeuePayments", actions: ["sqs:SendMessage"], resources: [args.queueArn] },
          {
            // A producer of an SSE-KMS queue needs both (Amazon SQS Developer Guide, "Key
            // management"); the ledger's secret is under the same key.
            sid: "UseTheRegionsKey",
            actions: ["kms:GenerateDataKey", "kms:Decrypt"],
            resources: [args.keyArn],
          },
          // The gate's `SELECT 1` and the reconciler's statements.
          ...ledgerAccess(args.ledger, "ReadAndRestoreLedgerEntries"),
        ],
        environment: {
          PAYMENTS_TABLE: args.tableName,
          PAYMENTS_QUEUE_URL: args.queueUrl,
          ACTIVE_REGION_PARAMETER: args.activeRegionParameter,
          ...ledgerEnvironment(args.ledger),
          SWEEP_MIN_AGE_SECONDS: String(args.minAgeSeconds),
          SWEEP_MAX_PER_RUN: String(SWEEP_MAX_PER_RUN),
          RECONCILE_LOOKBACK_HOURS: String(RECONCILE_LOOKBACK_HOURS),
        },
        timeoutSeconds: SWEEPER_TIMEOUT_SECONDS,
        memoryMb: 256,
        reservedConcurrency: SWEEPER_RESERVED_CONCURRENCY,
      },
      child,
    );

    scheduledInvocation(
      name,
      {
        functionArn: fn.arn,
        functionName: fn.name,
        scheduleName: namer.regional("schedulerSchedule", "sweeper", region),
        roleName: namer.regional("iamRole", "sweeper-schedule", region),
        description: "Runs the payments sweeper and ledger reconciler",
        expression: `rate(${SWEEP_EVERY_MINUTES} minutes)`,
      },
      child,
    );
    this.functionName = fn.name;
    this.registerOutputs({ functionName: this.functionName });
  }
}
