/**
 * The failover tier of one region: its alarms (./failover/region-alarms.ts), including the
 * composite "region impaired" alarm the other region's orchestrator treats as critical, and the
 * write path's failover into this region (./failover/write-failover.ts): runbook, steps, runs
 * table and orchestrator. `watch` wires the two regions' tiers together once both exist.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../model/config";
import type { Namer } from "../model/naming";
import { peerOf, type RegionRole } from "../model/regions";
import type { ComputeTier } from "./compute";
import type { DataTier } from "./data";
import { RegionAlarms, type RegionSignals } from "./failover/region-alarms";
import { PeerWatch } from "./failover/peer-watch";
import { WriteFailover } from "./failover/write-failover";
import type { OrchestrationTier } from "./orchestration";
import type { TrafficFailover } from "./traffic";

/** Route 53 publishes health-check metrics only here; their alarms must be here too. */
const ROUTE53_METRICS_REGION = "us-east-1";

export interface FailoverTierArgs {
  readonly role: RegionRole;
  readonly namer: Namer;
  /** This region's signals, as the dashboard shows them. */
  readonly signals: RegionSignals;
  readonly data: DataTier;
  /** The other region's data tier: the runbook fences its active-region flag. */
  readonly peerData: DataTier;
  /** The region's alarms topic used to live here. */
  readonly orchestration: OrchestrationTier;
  /** The API the runbook checks; the dead-letter alarm used to live here. */
  readonly compute: ComputeTier;
  /** The other region's compute tier: the runbook pauses and drains its processing. */
  readonly peerCompute: ComputeTier;
  readonly traffic: TrafficFailover;
  readonly config: FailoverConfig;
}

/** The stack settings the failover tier reads. */
export type FailoverConfig = Pick<
  StackConfig,
  | "regions"
  | "alarms"
  | "alertEmail"
  | "writeFailover"
  | "logRetentionDays"
  | "protectData"
  | "processor"
>;

export class FailoverTier extends pulumi.ComponentResource {
  readonly alarmsTopicArn: pulumi.Output<string>;
  readonly regionImpairedAlarmArn: pulumi.Output<string>;
  readonly runbookArn: pulumi.Output<string>;
  readonly orchestratorFunctionName: pulumi.Output<string>;
  readonly runsTableName: pulumi.Output<string>;
  readonly runbookBounds: WriteFailover["runbookBounds"];
  private readonly alarms: RegionAlarms;
  private readonly writeFailover: WriteFailover;

  constructor(name: string, args: FailoverTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:FailoverTier", name, {}, opts);
    const { role, data, traffic, config } = args;
    const peer = peerOf(role);
    const region = config.regions[role];
    const part = { parent: this };
    this.alarms = new RegionAlarms(
      `${name}-alarms`,
      {
        signals: args.signals,
        namer: args.namer,
        keyArn: data.keyArn,
        thresholds: config.alarms,
        alertEmail: config.alertEmail,
        healthCheckIds:
          region === ROUTE53_METRICS_REGION
            ? {
                [config.regions.primary]: traffic.endpointHealthCheckIds.primary,
                [config.regions.secondary]: traffic.endpointHealthCheckIds.secondary,
              }
            : undefined,
        tierName: name,
        // index.ts names each tier `<role>-<tier>`.
        formerly: {
          topic: { parent: args.orchestration, name: `${role}-orchestration-alarms` },
          deadLetterAlarm: { parent: args.compute, name: `${role}-compute-payments-dlq` },
        },
      },
      part,
    );
    const controls = traffic.routingControls;
    this.writeFailover = new WriteFailover(
      `${name}-write-failover`,
      {
        region,
        peerRegion: config.regions[peer],
        namer: args.namer,
        keyArn: data.keyArn,
        logRetentionDays: config.logRetentionDays,
        protectData: config.protectData,
        thresholds: config.alarms,
        paymentsTableName: data.tableName,
        globalClusterIdentifier: data.globalClusterId,
        clusterArn: data.clusterArn,
        clusterIdentifier: data.clusterIdentifier,
        peerClusterArn: args.peerData.clusterArn,
        activeRegionParameter: data.activeRegionParameter,
        activeRegionParameterArn: data.activeRegionParameterArn,
        peerActiveRegionParameterArn: args.peerData.activeRegionParameterArn,
        processing: args.compute.processing,
        peerProcessing: args.peerCompute.processing,
        peerKeyArn: args.peerData.keyArn,
        // A paused processor's batches under way end within its timeout (after its batching
        // window); its workflows' first steps take seconds. A minute of margin.
        drainWaitSeconds:
          config.processor.timeoutSeconds + config.processor.batchWindowSeconds + 60,
        alarmsTopicArn: this.alarms.topicArn,
        healthUrl: `${args.compute.regionalUrl}/health?role=active`,
        peerHealthUrl: `${args.peerCompute.regionalUrl}/health`,
        rules: config.writeFailover,
        routingControls:
          controls === undefined
            ? undefined
            : {
                clusterEndpoints: controls.clusterEndpoints,
                controlArn: controls.controlArns[role],
                peerControlArn: controls.controlArns[peer],
              },
        tierName: name,
      },
      part,
    );
    const peerWatch = new PeerWatch(
      `${name}-peer-watch`,
      {
        region,
        peerRegion: config.regions[peer],
        namer: args.namer,
        keyArn: data.keyArn,
        logRetentionDays: config.logRetentionDays,
        activeRegionParameter: data.activeRegionParameter,
        activeRegionParameterArn: data.activeRegionParameterArn,
        globalClusterIdentifier: data.globalClusterId,
        clusterArn: data.clusterArn,
        mappingUuids: args.compute.processing.mappingUuids,
        mappingArns: args.compute.processing.mappingArns,
        peerHealthUrl: `${args.peerCompute.regionalUrl}/health`,
        evaluationPeriods: config.alarms.evaluationPeriods,
        alarmsTopicArn: this.alarms.topicArn,
        peerHealthCheckAlarmName:
          region === ROUTE53_METRICS_REGION
            ? this.alarms.healthCheckAlarmName(config.regions[peer])
            : undefined,
      },
      part,
    );
    // The orchestrator here acts on the peer-down composite of this region (the surviving side
    // sees it even when the other region's CloudWatch and SNS are down with it).
    this.alarms.deliver("peer-down-to-orchestrator", [peerWatch.peerDownAlarmName], {
      arn: this.writeFailover.orchestratorArn,
      permission: this.writeFailover.acceptAlarmsFrom(this.alarms.topicArn, "own"),
    });
    this.alarmsTopicArn = this.alarms.topicArn;
    this.regionImpairedAlarmArn = this.alarms.regionImpairedAlarmArn;
    this.runbookArn = this.writeFailover.runbookArn;
    this.orchestratorFunctionName = this.writeFailover.orchestratorFunctionName;
    this.runsTableName = this.writeFailover.runsTableName;
    this.runbookBounds = this.writeFailover.runbookBounds;
    this.registerOutputs({
      alarmsTopicArn: this.alarmsTopicArn,
      runbookArn: this.runbookArn,
      orchestratorFunctionName: this.orchestratorFunctionName,
      runsTableName: this.runsTableName,
      regionImpairedAlarmArn: this.regionImpairedAlarmArn,
    });
  }

  /**
   * Makes this region's orchestrator act on `peer`'s region-impaired alarm: the permission for
   * the peer's alarms topic here, the subscription there, beside its topic.
   */
  watch(peer: FailoverTier): void {
    const permission = this.writeFailover.acceptAlarmsFrom(peer.alarmsTopicArn, "peer");
    peer.alarms.reportImpairmentTo({ arn: this.writeFailover.orchestratorArn, permission });
  }
}
