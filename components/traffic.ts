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
import type { StackConfig } from "./config";
import { apiDomainName } from "./dns";
import type { HostedZone } from "./hosted-zone";
import type { Namer } from "./naming";

type Role = "primary" | "secondary";

export interface TrafficFailoverArgs {
  readonly namer: Namer;
  readonly zone: HostedZone;
  readonly regions: StackConfig["regions"];
  readonly compute: Readonly<Record<Role, ComputeTier>>;
  readonly healthChecks: StackConfig["healthChecks"];
  readonly recordTtlSeconds: number;
}

const FAILOVER_TYPE: Readonly<Record<Role, string>> = {
  primary: "PRIMARY",
  secondary: "SECONDARY",
};
const HEALTH_PATH: Readonly<Record<Role, string>> = {
  primary: "/health?role=active",
  secondary: "/health",
};

export class TrafficFailover extends pulumi.ComponentResource {
  /** The endpoint health check of each region (Route 53 publishes their metrics in us-east-1). */
  readonly endpointHealthCheckIds: Readonly<Record<Role, pulumi.Output<string>>>;
  readonly endpointHealthCheckArns: Readonly<Record<Role, pulumi.Output<string>>>;
  /** The calculated check each failover record evaluates. */
  readonly recordHealthCheckIds: Readonly<Record<Role, pulumi.Output<string>>>;
  readonly apiDomainName: string;

  constructor(name: string, args: TrafficFailoverArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:TrafficFailover", name, {}, opts);
    const parent = { parent: this };
    this.apiDomainName = apiDomainName(args.zone.zoneName);
    const endpoint: Partial<Record<Role, pulumi.Output<string>>> = {};
    const endpointArns: Partial<Record<Role, pulumi.Output<string>>> = {};
    const record: Partial<Record<Role, pulumi.Output<string>>> = {};
    for (const role of ["primary", "secondary"] as const) {
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
      const guard = new aws.route53.HealthCheck(
        `${name}-${role}-record`,
        {
          type: "CALCULATED",
          childHealthchecks: [check.id],
          childHealthThreshold: 1,
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
    this.endpointHealthCheckIds = endpoint as Record<Role, pulumi.Output<string>>;
    this.endpointHealthCheckArns = endpointArns as Record<Role, pulumi.Output<string>>;
    this.recordHealthCheckIds = record as Record<Role, pulumi.Output<string>>;
    this.registerOutputs({
      endpointHealthCheckIds: this.endpointHealthCheckIds,
      recordHealthCheckIds: this.recordHealthCheckIds,
    });
  }
}
