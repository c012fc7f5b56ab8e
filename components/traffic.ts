/**
 * Traffic failover (global, one copy): a Route 53 health check per region on its deep health
 * endpoint, and PRIMARY/SECONDARY failover records for `api.<zone>` pointing at the regional
 * custom domains. Each record is guarded by a calculated health check, the place where an operator
 * override (ARC routing control health checks, when enabled) joins the endpoint check.
 *
 * The primary's check asks `/health?role=active` (only the active writer passes), the secondary's
 * plain `/health` (a ready standby passes): after a write failover the primary stops passing and
 * traffic follows the writer; when the primary region fails, traffic moves to the standby.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ComputeTier } from "./compute";
import type { StackConfig } from "../model/config";
import { apiDomainName } from "../model/dns";
import type { HostedZone } from "./hosted-zone";
import type { Namer } from "../model/naming";
import { REGION_ROLES, type RegionRole } from "../model/regions";

export interface TrafficFailoverArgs {
  readonly namer: Namer;
  readonly zone: HostedZone;
  readonly regions: StackConfig["regions"];
  readonly compute: Readonly<Record<RegionRole, ComputeTier>>;
  readonly healthChecks: StackConfig["healthChecks"];
  readonly recordTtlSeconds: number;
  /**
   * With ARC routing controls: the provider for their control plane, whose API AWS serves from
   * us-west-2 only. Each record then also needs its region's routing control on.
   */
  readonly arc?: { readonly provider: aws.Provider };
}

/** What the runbook needs to flip traffic with ARC: the controls and the cluster's endpoints. */
export interface RoutingControls {
  readonly controlArns: Readonly<Record<RegionRole, pulumi.Output<string>>>;
  readonly clusterEndpoints: pulumi.Output<{ endpoint: string; region: string }[]>;
}

const FAILOVER_TYPE: Readonly<Record<RegionRole, string>> = {
  primary: "PRIMARY",
  secondary: "SECONDARY",
};
const HEALTH_PATH: Readonly<Record<RegionRole, string>> = {
  primary: "/health?role=active",
  secondary: "/health",
};

export class TrafficFailover extends pulumi.ComponentResource {
  /** The endpoint health check of each region (Route 53 publishes their metrics in us-east-1). */
  readonly endpointHealthCheckIds: Readonly<Record<RegionRole, pulumi.Output<string>>>;
  readonly endpointHealthCheckArns: Readonly<Record<RegionRole, pulumi.Output<string>>>;
  /** The calculated check each failover record evaluates. */
  readonly recordHealthCheckIds: Readonly<Record<RegionRole, pulumi.Output<string>>>;
  readonly apiDomainName: string;
  /** Set when the stack uses ARC routing controls. */
  readonly routingControls: RoutingControls | undefined;

  constructor(name: string, args: TrafficFailoverArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:TrafficFailover", name, {}, opts);
    const parent = { parent: this };
    this.apiDomainName = apiDomainName(args.zone.zoneName);
    const endpoint: Partial<Record<RegionRole, pulumi.Output<string>>> = {};
    const endpointArns: Partial<Record<RegionRole, pulumi.Output<string>>> = {};
    const record: Partial<Record<RegionRole, pulumi.Output<string>>> = {};
    this.routingControls = args.arc === undefined ? undefined : this.arc(name, args, args.arc);
    for (const role of REGION_ROLES) {
      const region = args.regions[role];
      const compute = args.compute[role];
      const check = new aws.route53.HealthCheck(
        `${name}-${role}-endpoint`,
        {
          type: "HTTPS",
          fqdn: compute.regionalDomainName,
          port: 443,
          resourcePath: HEALTH_PATH[role],
          enableSni: true,
          requestInterval: args.healthChecks.intervalSeconds,
          failureThreshold: args.healthChecks.failureThreshold,
          measureLatency: true,
          regions: [...args.healthChecks.regions],
          tags: { Name: args.namer.regional("nameTag", "api-health", region) },
        },
        parent,
      );
      // With ARC, the region also needs its routing control on: an operator (or the runbook) can
      // take a region out of DNS at once, whatever its endpoint check says.
      const control =
        this.routingControls === undefined
          ? undefined
          : new aws.route53.HealthCheck(
              `${name}-${role}-routing-control`,
              {
                type: "RECOVERY_CONTROL",
                routingControlArn: this.routingControls.controlArns[role],
                tags: { Name: args.namer.regional("nameTag", "api-routing-control", region) },
              },
              parent,
            );
      const children = control === undefined ? [check.id] : [check.id, control.id];
      const guard = new aws.route53.HealthCheck(
        `${name}-${role}-record`,
        {
          type: "CALCULATED",
          childHealthchecks: children,
          childHealthThreshold: children.length,
          tags: { Name: args.namer.regional("nameTag", "api-failover", region) },
        },
        parent,
      );
      // A CNAME, not an alias: its TTL is ours to set (an alias keeps its target's 60 s), and the
      // TTL bounds how long resolvers keep sending clients to the failed region.
      new aws.route53.Record(
        `${name}-${role}`,
        {
          zoneId: args.zone.zoneId,
          name: this.apiDomainName,
          type: "CNAME",
          ttl: args.recordTtlSeconds,
          records: [compute.apiDomainTarget.name],
          setIdentifier: region,
          failoverRoutingPolicies: [{ type: FAILOVER_TYPE[role] }],
          healthCheckId: guard.id,
        },
        parent,
      );
      endpoint[role] = check.id;
      endpointArns[role] = check.arn;
      record[role] = guard.id;
    }
    this.endpointHealthCheckIds = endpoint as Record<RegionRole, pulumi.Output<string>>;
    this.endpointHealthCheckArns = endpointArns as Record<RegionRole, pulumi.Output<string>>;
    this.recordHealthCheckIds = record as Record<RegionRole, pulumi.Output<string>>;
    this.registerOutputs({
      routingControlArns: this.routingControls?.controlArns,
      endpointHealthCheckIds: this.endpointHealthCheckIds,
      recordHealthCheckIds: this.recordHealthCheckIds,
    });
  }

  /**
   * ARC routing controls: a cluster (five regional data-plane endpoints), a control panel, one
   * routing control per region and a safety rule that keeps at least one of them on. Controls are
   * created off: turn both on once after the first deployment (docs/failover.md, "ARC routing controls").
   */
  private arc(
    name: string,
    args: TrafficFailoverArgs,
    arc: NonNullable<TrafficFailoverArgs["arc"]>,
  ): RoutingControls {
    const opts = { parent: this, provider: arc.provider };
    const cluster = new aws.route53recoverycontrol.Cluster(
      `${name}-arc`,
      { name: args.namer.global("nameTag", "payments-traffic") },
      opts,
    );
    const panel = new aws.route53recoverycontrol.ControlPanel(
      `${name}-arc`,
      { name: args.namer.global("nameTag", "payments-traffic"), clusterArn: cluster.arn },
      opts,
    );
    const controls: Partial<Record<RegionRole, pulumi.Output<string>>> = {};
    for (const role of REGION_ROLES) {
      controls[role] = new aws.route53recoverycontrol.RoutingControl(
        `${name}-${role}-arc`,
        {
          name: args.namer.regional("nameTag", "payments-traffic", args.regions[role]),
          clusterArn: cluster.arn,
          controlPanelArn: panel.arn,
        },
        opts,
      ).arn;
    }
    const controlArns = controls as Record<RegionRole, pulumi.Output<string>>;
    new aws.route53recoverycontrol.SafetyRule(
      `${name}-arc-at-least-one-on`,
      {
        name: args.namer.global("nameTag", "at-least-one-region-on"),
        controlPanelArn: panel.arn,
        assertedControls: [controlArns.primary, controlArns.secondary],
        ruleConfig: { type: "ATLEAST", threshold: 1, inverted: false },
        waitPeriodMs: 5000,
      },
      opts,
    );
    return {
      controlArns,
      clusterEndpoints: cluster.clusterEndpoints.apply((endpoints) =>
        endpoints.map((e) => ({ endpoint: e.endpoint, region: e.region })),
      ),
    };
  }
}
