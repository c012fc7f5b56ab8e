/**
 * The stack's public DNS zone (global, one copy): created, with its name servers as an output for
 * delegation from the parent zone, or an existing, already delegated zone from config. The API's
 * certificates validate through it and the failover records live in it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface HostedZoneArgs {
  readonly zoneName: string;
  /** An existing zone of `zoneName`; when set, nothing is created. */
  readonly existingZoneId: string | undefined;
  /** A deleted zone breaks its delegation: production zones are protected. */
  readonly protect: boolean;
}

export class HostedZone extends pulumi.ComponentResource {
  readonly zoneName: string;
  readonly zoneId: pulumi.Output<string>;
  /** The zone's name servers, to delegate to from the parent zone; empty for an existing zone. */
  readonly nameServers: pulumi.Output<string[]>;

  constructor(name: string, args: HostedZoneArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:HostedZone", name, {}, opts);
    this.zoneName = args.zoneName;
    if (args.existingZoneId === undefined) {
      const zone = new aws.route53.Zone(
        `${name}-zone`,
        {
          name: args.zoneName,
          comment: "payments-dr: the API's failover records and certificate validation",
          forceDestroy: !args.protect,
        },
        { parent: this, protect: args.protect, retainOnDelete: args.protect },
      );
      this.zoneId = zone.zoneId;
      this.nameServers = zone.nameServers;
    } else {
      this.zoneId = pulumi.output(args.existingZoneId);
      this.nameServers = pulumi.output([]);
    }
    this.registerOutputs({ zoneId: this.zoneId, nameServers: this.nameServers });
  }
}
