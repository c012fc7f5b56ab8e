/**
 * The network of one region: an awsx VPC with private subnets in every availability zone (and
 * public subnets only where NAT gateways need them), VPC endpoints for every AWS service the
 * handlers call, and the security groups of the handlers, the endpoints and the database.
 *
 * The endpoints are explicit resources rather than awsx `vpcEndpointSpecs`, so that the plan, the
 * policy pack and the tests see them (awsx.ec2.Vpc is a remote component: its children are not
 * registered by this program).
 */
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import type { InterfaceEndpointChoice, NatStrategy } from "../model/config";
import { subnetLayout } from "../model/subnets";
import type { Namer } from "../model/naming";
import type { AwsRegion } from "../model/regions";

/**
 * The services the VPC-attached functions (payments API, merchant authorizer, processor, health,
 * sweeper) call: their roles' actions, less what the Lambda service does for them. Lambda ships
 * their logs ("Lambda automatically captures logs ... and sends them to CloudWatch Logs",
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html), decrypts their
 * environment at start-up (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html)
 * and creates their network interfaces; SQS, DynamoDB and Secrets Manager call KMS for the keys
 * of what they store (e.g. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
 * The pack's vpc-functions-reach-their-services checks this list against the roles in the plan.
 */
export const CALLED_FROM_THE_VPC = ["sqs", "states", "secretsmanager", "ssm", "rds-data"] as const;

/** Every service the program uses that has an interface endpoint (interfaceEndpoints: all). */
export const INTERFACE_ENDPOINT_SERVICES = [
  ...CALLED_FROM_THE_VPC,
  "sns",
  "kms",
  "logs",
  "events",
  "sts",
] as const;

/** Services reached through (free) gateway endpoints on the route tables. */
export const GATEWAY_ENDPOINT_SERVICES = ["s3", "dynamodb"] as const;

const POSTGRES_PORT = 5432;
const HTTPS_PORT = 443;

const NAT_GATEWAY_STRATEGIES: Readonly<
  Record<NatStrategy, awsx.types.enums.ec2.NatGatewayStrategy>
> = {
  none: "None",
  single: "Single",
  onePerAz: "OnePerAz",
};

export interface NetworkArgs {
  readonly region: AwsRegion;
  readonly cidrBlock: string;
  readonly availabilityZoneCount: number;
  readonly natGateways: NatStrategy;
  readonly interfaceEndpoints: InterfaceEndpointChoice;
  readonly namer: Namer;
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly lambdaSecurityGroupId: pulumi.Output<string>;
  readonly databaseSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:Network", name, {}, opts);
    const { region, namer } = args;
    const parent = { parent: this };
    const layout = subnetLayout(
      Number(args.cidrBlock.split("/")[1]),
      args.availabilityZoneCount,
      args.natGateways !== "none",
    );
    const awsProvider = this.getProvider("aws::Provider");
    if (awsProvider === undefined) {
      throw new Error(`${name}: a Network needs its region's provider ({ providers: { aws } })`);
    }

    const vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidrBlock,
        numberOfAvailabilityZones: args.availabilityZoneCount,
        subnetStrategy: "Auto",
        subnetSpecs: [
          // A NAT gateway lives in a public subnet; without NAT there is nothing public at all.
          ...(layout.publicMask === undefined
            ? []
            : [{ type: "Public" as const, cidrMask: layout.publicMask }]),
          { type: "Private" as const, cidrMask: layout.privateMask },
        ],
        natGateways: { strategy: NAT_GATEWAY_STRATEGIES[args.natGateways] },
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: namer.regional("nameTag", "payments", region) },
      },
      // Remote components do not inherit providers from their parent: pass it explicitly.
      { ...parent, providers: { aws: awsProvider } },
    );
    this.vpcId = vpc.vpcId;
    this.privateSubnetIds = vpc.privateSubnetIds;

    const group = (base: string, description: string) =>
      new aws.ec2.SecurityGroup(
        `${name}-${base}`,
        {
          name: namer.regional("securityGroup", base, region),
          description,
          vpcId: vpc.vpcId,
          tags: { Name: namer.regional("nameTag", base, region) },
        },
        parent,
      );
    const lambdas = group(
      "lambda",
      "Payment handlers: no ingress; HTTPS to AWS APIs, Postgres to the database",
    );
    const endpoints = group(
      "endpoints",
      "VPC interface endpoints: HTTPS from the payment handlers",
    );
    const database = group(
      "database",
      "Aurora PostgreSQL: Postgres from the payment handlers only",
    );

    new aws.vpc.SecurityGroupEgressRule(
      `${name}-lambda-https`,
      {
        securityGroupId: lambdas.id,
        description: "HTTPS to AWS APIs (interface endpoints, gateway endpoints, NAT)",
        ipProtocol: "tcp",
        fromPort: HTTPS_PORT,
        toPort: HTTPS_PORT,
        cidrIpv4: "0.0.0.0/0",
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-lambda-postgres`,
      {
        securityGroupId: lambdas.id,
        description: "Postgres to the Aurora cluster",
        ipProtocol: "tcp",
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
        referencedSecurityGroupId: database.id,
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-endpoints-https`,
      {
        securityGroupId: endpoints.id,
        description: "HTTPS from the payment handlers",
        ipProtocol: "tcp",
        fromPort: HTTPS_PORT,
        toPort: HTTPS_PORT,
        referencedSecurityGroupId: lambdas.id,
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-database-postgres`,
      {
        securityGroupId: database.id,
        description: "Postgres from the payment handlers",
        ipProtocol: "tcp",
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
        referencedSecurityGroupId: lambdas.id,
      },
      parent,
    );

    // The zones of the private subnets, in their order: awsx takes the first
    // numberOfAvailabilityZones names that aws.getAvailabilityZones returns, with the VPC's
    // provider, and makes one private subnet per zone in that order (pulumi-awsx,
    // awsx/ec2/vpc.ts, getDefaultAzs and the subnet loop). Zone names map to physical zones per
    // account, and not every zone offers every endpoint service (Amazon VPC User Guide, "Access an
    // AWS service using an interface VPC endpoint", considerations:
    // https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html).
    const zones = aws.getAvailabilityZonesOutput({}, { parent: this }).names;
    const subnetsByZone = pulumi
      .all([zones, vpc.privateSubnetIds])
      .apply(([names, ids]) => ids.map((id, i) => ({ id, zone: names[i] })));
    const services =
      args.interfaceEndpoints === "all" ? INTERFACE_ENDPOINT_SERVICES : CALLED_FROM_THE_VPC;
    for (const service of services) {
      const serviceName = `com.amazonaws.${region}.${service}`;
      // The zones of this account that offer the service (DescribeVpcEndpointServices).
      const offered = aws.ec2.getVpcEndpointServiceOutput(
        { serviceName, serviceType: "Interface" },
        { parent: this },
      ).availabilityZones;
      const subnetIds = pulumi.all([subnetsByZone, offered]).apply(([subnets, offers]) => {
        const placed = subnets.filter((s) => offers.includes(s.zone));
        if (placed.length === 0) {
          throw new Error(
            `${serviceName} is offered in none of the VPC's zones (${subnets.map((s) => s.zone).join(", ")}); it is offered in ${offers.join(", ")}. Run npm run preflight for the account's zones.`,
          );
        }
        if (placed.length < subnets.length) {
          pulumi.log.warn(
            `${serviceName} is not offered in ${subnets
              .filter((s) => !offers.includes(s.zone))
              .map((s) => s.zone)
              .join(", ")}: its endpoint serves those zones from the others`,
            this,
          );
        }
        return placed.map((s) => s.id);
      });
      new aws.ec2.VpcEndpoint(
        `${name}-${service}`,
        {
          vpcId: vpc.vpcId,
          serviceName,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds,
          securityGroupIds: [endpoints.id],
          tags: { Name: namer.regional("nameTag", service, region) },
        },
        parent,
      );
    }
    const routeTableIds = vpc.routeTables.apply((tables) => pulumi.all(tables.map((t) => t.id)));
    for (const service of GATEWAY_ENDPOINT_SERVICES) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service}`,
        {
          vpcId: vpc.vpcId,
          serviceName: `com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Gateway",
          routeTableIds,
          tags: { Name: namer.regional("nameTag", service, region) },
        },
        parent,
      );
    }

    this.lambdaSecurityGroupId = lambdas.id;
    this.databaseSecurityGroupId = database.id;
    this.registerOutputs({
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      lambdaSecurityGroupId: this.lambdaSecurityGroupId,
      databaseSecurityGroupId: this.databaseSecurityGroupId,
    });
  }
}
