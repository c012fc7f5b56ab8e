/**
 * An EventBridge global endpoint over the two regions' payment buses (one copy, in the primary
 * region): events go to the primary's bus while the primary's API health check passes, to the
 * secondary's otherwise, and are replicated between the two. For producers that publish through
 * the endpoint; AWS documents its RTO and RPO as 360–420 s.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Namer } from "../../model/naming";
import type { AwsRegion, RegionRole } from "../../model/regions";
import { rolePolicy, serviceRole } from "../building-blocks/iam";
import { movedChild, type PartOptions } from "../building-blocks/parts";

export interface GlobalEventEndpointArgs {
  readonly regions: Readonly<Record<RegionRole, AwsRegion>>;
  readonly namer: Namer;
  /** Each region's payment bus. */
  readonly busArns: Readonly<Record<RegionRole, pulumi.Input<string>>>;
  /** The primary region's API health check: while it passes, the primary's bus gets the events. */
  readonly healthCheckArn: pulumi.Input<string>;
  /** The logical name of the failover tier these resources stood under before they moved here. */
  readonly formerFailoverTier: string;
}

export class GlobalEventEndpoint extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: GlobalEventEndpointArgs, opts: PartOptions) {
    super("payments:orchestration:GlobalEventEndpoint", name, {}, opts);
    const formerParent = pulumi.createUrn(args.formerFailoverTier, "payments:index:FailoverTier");
    const formerly = (suffix: string) =>
      movedChild(this, { parent: formerParent, name: `${args.formerFailoverTier}-${suffix}` });
    const role = serviceRole(
      `${name}-replication`,
      {
        roleName: args.namer.regional("iamRole", "event-replication", args.regions.primary),
        service: "events.amazonaws.com",
      },
      formerly("event-replication"),
    );
    const policy = rolePolicy(
      `${name}-replication`,
      role,
      [
        {
          sid: "ReplicateToBothPaymentBuses",
          actions: ["events:PutEvents"],
          resources: [args.busArns.primary, args.busArns.secondary],
        },
      ],
      formerly("event-replication"),
    );
    const endpoint = new aws.cloudwatch.EventEndpoint(
      name,
      {
        name: args.namer.global("eventEndpoint", "payments"),
        description:
          "Payment events: the primary's bus while its API is healthy, else the secondary's",
        eventBuses: [
          { eventBusArn: args.busArns.primary },
          { eventBusArn: args.busArns.secondary },
        ],
        roleArn: role.arn,
        replicationConfig: { state: "ENABLED" },
        routingConfig: {
          failoverConfig: {
            primary: { healthCheck: args.healthCheckArn },
            secondary: { route: args.regions.secondary },
          },
        },
      },
      { ...formerly("events"), dependsOn: [policy] },
    );
    this.url = endpoint.endpointUrl;
    this.registerOutputs({ url: this.url });
  }
}
