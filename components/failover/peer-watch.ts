/**
 * The peer watch of one region (handlers/peer-watch.ts): a Lambda that EventBridge Scheduler runs
 * every minute, outside the VPC. It self-fences this region when it returns after a failover it
 * missed, and probes the other region's `/health` from here, so an outage that takes the other
 * region's CloudWatch and SNS down with it is still seen: `peer-unreachable` counts consecutive
 * failed minutes (missing data is breaching: a watch that cannot report counts as a failure), and
 * `peer-down` is what the orchestrator here acts on — with the Route 53 check of the other region
 * when this region is where Route 53 publishes (us-east-1), so two independent observers agree.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  PEER_HEALTHY_METRIC,
  PEER_METRICS_NAMESPACE,
  PEER_METRICS_SERVICE,
  peerWatchHandler,
} from "../../handlers/peer-watch.lambda";
import { PEER_WATCH_RESERVED_CONCURRENCY } from "../../model/config";
import type { Namer } from "../../model/naming";
import { PEER_PROBE_SECONDS } from "../../model/recovery";
import type { AwsRegion } from "../../model/regions";
import { handlerFunction } from "../building-blocks/lambda";
import { scheduledInvocation } from "../building-blocks/schedule";
import type { PartOptions } from "../building-blocks/parts";

export interface PeerWatchArgs {
  readonly region: AwsRegion;
  readonly peerRegion: AwsRegion;
  readonly namer: Namer;
  readonly keyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  readonly activeRegionParameter: pulumi.Input<string>;
  readonly activeRegionParameterArn: pulumi.Input<string>;
  readonly globalClusterIdentifier: pulumi.Input<string>;
  /** This region's member of the global database. */
  readonly clusterArn: pulumi.Input<string>;
  /** This region's processor mappings: paused when the region fences itself. */
  readonly mappingUuids: readonly pulumi.Input<string>[];
  readonly mappingArns: readonly pulumi.Input<string>[];
  /** The other region's `https://<region>.api.<zone>/health`. */
  readonly peerHealthUrl: pulumi.Input<string>;
  /** Consecutive failed minutes before the peer counts as unreachable. */
  readonly evaluationPeriods: number;
  readonly alarmsTopicArn: pulumi.Input<string>;
  /** This region's alarm on the Route 53 check of the other region, where Route 53 publishes. */
  readonly peerHealthCheckAlarmName?: pulumi.Input<string>;
}

export class PeerWatch extends pulumi.ComponentResource {
  /** The composite alarm the orchestrator here starts an unplanned failover on. */
  readonly peerDownAlarmName: string;

  constructor(name: string, args: PeerWatchArgs, opts: PartOptions) {
    super("payments:failover:PeerWatch", name, {}, opts);
    const { namer, region } = args;
    const child = { parent: this };
    const account = aws.getCallerIdentityOutput({}, child).accountId;
    const fn = handlerFunction(
      name,
      {
        base: "peer-watch",
        description: `Self-fences ${region} after a missed failover; probes ${args.peerRegion}'s API health`,
        callback: peerWatchHandler,
        region,
        namer,
        keyArn: args.keyArn,
        logRetentionDays: args.logRetentionDays,
        packages: ["@aws-lambda-powertools/metrics"],
        statements: [
          {
            sid: "ReadAndCorrectTheFlag",
            actions: ["ssm:GetParameter", "ssm:PutParameter"],
            resources: [args.activeRegionParameterArn],
          },
          {
            // DescribeGlobalClusters takes the global-cluster resource type (Service
            // Authorization Reference, Amazon RDS).
            sid: "ReadTheGlobalDatabase",
            actions: ["rds:DescribeGlobalClusters"],
            resources: [
              pulumi.interpolate`arn:aws:rds::${account}:global-cluster:${args.globalClusterIdentifier}`,
            ],
          },
          {
            sid: "PauseProcessingHere",
            actions: ["lambda:UpdateEventSourceMapping"],
            resources: [...args.mappingArns],
          },
        ],
        environment: {
          ACTIVE_REGION_PARAMETER: args.activeRegionParameter,
          GLOBAL_CLUSTER_ID: args.globalClusterIdentifier,
          OWN_CLUSTER_ARN: args.clusterArn,
          PROCESSOR_MAPPINGS: pulumi.all([...args.mappingUuids]).apply((ids) => ids.join(",")),
          PEER_HEALTH_URL: args.peerHealthUrl,
        },
        timeoutSeconds: 20,
        memoryMb: 256,
        reservedConcurrency: PEER_WATCH_RESERVED_CONCURRENCY,
      },
      child,
    );

    scheduledInvocation(
      name,
      {
        functionArn: fn.arn,
        functionName: fn.name,
        scheduleName: namer.regional("schedulerSchedule", "peer-watch", region),
        roleName: namer.regional("iamRole", "peer-watch-schedule", region),
        description: `Self-fence check of ${region} and probe of ${args.peerRegion}`,
        expression: `rate(${PEER_PROBE_SECONDS / 60} minute)`,
      },
      child,
    );

    const actions = [args.alarmsTopicArn];
    const unreachable = new aws.cloudwatch.MetricAlarm(
      `${name}-unreachable`,
      {
        name: namer.regional("cloudwatchAlarm", "peer-unreachable", region),
        alarmDescription: `${args.peerRegion}'s API health failed ${args.evaluationPeriods} consecutive minutes, probed from ${region} (a probe that did not report counts as failed)`,
        namespace: PEER_METRICS_NAMESPACE,
        metricName: PEER_HEALTHY_METRIC,
        dimensions: { service: PEER_METRICS_SERVICE },
        statistic: "Minimum",
        period: PEER_PROBE_SECONDS,
        evaluationPeriods: args.evaluationPeriods,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        // The probe runs here, so its silence is this region's to notice: a region that cannot
        // tell whether its peer is up must not be reassured by the silence.
        treatMissingData: "breaching",
        alarmActions: actions,
        okActions: actions,
      },
      child,
    );
    this.peerDownAlarmName = namer.regional("cloudwatchAlarm", "peer-down", region);
    new aws.cloudwatch.CompositeAlarm(
      `${name}-down`,
      {
        alarmName: this.peerDownAlarmName,
        alarmDescription: `${args.peerRegion} is down as seen from ${region}: the orchestrator here may take the writes over`,
        alarmRule: pulumi
          .all([unreachable.name, args.peerHealthCheckAlarmName])
          .apply(([probe, route53]) =>
            route53 === undefined
              ? `ALARM("${probe}")`
              : `ALARM("${probe}") AND ALARM("${route53}")`,
          ),
        alarmActions: actions,
        okActions: actions,
      },
      child,
    );
    this.registerOutputs({});
  }
}
