import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import * as aws from "@pulumi/aws";
import {
  CALLED_FROM_THE_VPC,
  GATEWAY_ENDPOINT_SERVICES,
  INTERFACE_ENDPOINT_SERVICES,
  Network,
} from "../../components/network";
import { Namer } from "../../model/naming";
import {
  evaluate,
  type Evaluation,
  PROJECT_ROOT,
  type RecordedResource,
} from "../../tools/engine/engine";

function inRegion(
  evaluation: Evaluation,
  role: "primary" | "secondary",
  type: string,
): RecordedResource[] {
  return evaluation.resources.filter(
    (r) =>
      r.type === type &&
      r.placement === evaluation.config.regions[role] &&
      r.urn.includes("payments:index:Network"),
  );
}

function providerRegion(evaluation: Evaluation, reference: string): unknown {
  const urn = reference.slice(0, reference.lastIndexOf("::"));
  return evaluation.resources.find((r) => r.urn === urn)?.rawInputs.region;
}

const expectations = {
  dev: { zones: 2, nat: "None", cidrs: { primary: "10.110.0.0/16", secondary: "10.120.0.0/16" } },
  prod: {
    zones: 3,
    nat: "OnePerAz",
    cidrs: { primary: "10.10.0.0/16", secondary: "10.20.0.0/16" },
  },
} as const;

describe("network tier", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      const expected = expectations[stack];
      before(async () => {
        evaluation = await stackPlan(stack);
      });

      for (const role of ["primary", "secondary"] as const) {
        describe(`${role} region`, () => {
          const region = () => evaluation.config.regions[role];
          const vpc = () => inRegion(evaluation, role, "awsx:ec2:Vpc")[0];
          const one = (type: string, name: string) => {
            const found = inRegion(evaluation, role, type).filter(
              (r) => r.name === `${role}-network-${name}`,
            );
            assert.equal(found.length, 1, `${type} ${name}`);
            return found[0];
          };

          it("passes the awsx VPC its network, zones, subnets, NAT strategy and provider", () => {
            assert.equal(inRegion(evaluation, role, "awsx:ec2:Vpc").length, 1);
            const inputs = vpc().rawInputs;
            assert.equal(inputs.cidrBlock, expected.cidrs[role]);
            assert.equal(inputs.numberOfAvailabilityZones, expected.zones);
            assert.equal(inputs.subnetStrategy, "Auto");
            assert.deepEqual(
              inputs.subnetSpecs,
              expected.nat === "None"
                ? [{ type: "Private", cidrMask: 19 }]
                : [
                    { type: "Public", cidrMask: 22 },
                    { type: "Private", cidrMask: 19 },
                  ],
            );
            assert.deepEqual(inputs.natGateways, { strategy: expected.nat });
            assert.equal(providerRegion(evaluation, vpc().componentAwsProvider), region());
          });

          it("reaches the services the VPC-attached handlers call through interface endpoints in the private subnets, and no others (interfaceEndpoints: called)", () => {
            const privateSubnets = vpc().outputs.privateSubnetIds as string[];
            assert.equal(privateSubnets.length, expected.zones);
            const endpointsGroup = one("aws:ec2/securityGroup:SecurityGroup", "endpoints");
            assert.deepEqual(
              inRegion(evaluation, role, "aws:ec2/vpcEndpoint:VpcEndpoint")
                .filter((e) => e.rawInputs.vpcEndpointType === "Interface")
                .map((e) => String(e.rawInputs.serviceName).split(".").slice(3).join("."))
                .sort(),
              [...CALLED_FROM_THE_VPC].sort(),
            );
            for (const service of CALLED_FROM_THE_VPC) {
              const endpoint = one("aws:ec2/vpcEndpoint:VpcEndpoint", service).rawInputs;
              assert.equal(endpoint.serviceName, `com.amazonaws.${region()}.${service}`);
              assert.equal(endpoint.vpcEndpointType, "Interface");
              assert.equal(endpoint.privateDnsEnabled, true);
              assert.deepEqual(endpoint.subnetIds, privateSubnets);
              assert.deepEqual(endpoint.securityGroupIds, [endpointsGroup.id]);
            }
          });

          it("routes S3 and DynamoDB through gateway endpoints on every route table", () => {
            const tables = (vpc().outputs.routeTables as { id: string }[]).map((t) => t.id);
            assert.ok(tables.length >= expected.zones);
            for (const service of GATEWAY_ENDPOINT_SERVICES) {
              const endpoint = one("aws:ec2/vpcEndpoint:VpcEndpoint", service).rawInputs;
              assert.equal(endpoint.serviceName, `com.amazonaws.${region()}.${service}`);
              assert.equal(endpoint.vpcEndpointType, "Gateway");
              assert.deepEqual(endpoint.routeTableIds, tables);
            }
          });

          it("lets only the handlers reach the database and the endpoints", () => {
            const groups = ["lambda", "endpoints", "database"].map((n) => [
              one("aws:ec2/securityGroup:SecurityGroup", n).id,
              n,
            ]);
            const named = (id: unknown) => groups.find(([groupId]) => groupId === id)?.[1] ?? id;
            const rules = evaluation.resources
              .filter((r) => r.type.startsWith("aws:vpc/securityGroup") && r.placement === region())
              .map((r) => [
                r.type.includes("Ingress") ? "ingress" : "egress",
                named(r.rawInputs.securityGroupId),
                r.rawInputs.fromPort,
                named(r.rawInputs.cidrIpv4 ?? r.rawInputs.referencedSecurityGroupId),
              ])
              .sort();
            assert.deepEqual(rules, [
              ["egress", "lambda", 443, "0.0.0.0/0"],
              ["egress", "lambda", 5432, "database"],
              ["ingress", "database", 5432, "lambda"],
              ["ingress", "endpoints", 443, "lambda"],
            ]);
          });
        });
      }
    });
  }

  describe("in an account whose zones do not all offer every endpoint service", function () {
    this.timeout(120_000);
    // DescribeVpcEndpointServices' AvailabilityZones for an AWS service, as the account sees them:
    // the RDS Data API only in zone b, SQS in none of the VPC's zones (a, b).
    const offeredIn = (only: Record<string, readonly string[]>) => ({
      "aws:ec2/getVpcEndpointService:getVpcEndpointService": (
        inputs: Record<string, unknown>,
        region: string,
      ) => {
        const service = String(inputs.serviceName).split(".").slice(3).join(".");
        const letters = only[service] ?? ["a", "b", "c", "d", "e", "f"];
        return {
          serviceName: inputs.serviceName,
          availabilityZones: letters.map((l) => `${region}${l}`),
        };
      },
    });

    /** One region's network alone, as index.ts builds it: faster than the whole program. */
    const networkOnly =
      (interfaceEndpoints: "called" | "all" = "called") =>
      () => {
        const provider = new aws.Provider("aws-primary", { region: "us-east-1" });
        new Network(
          "primary-network",
          {
            region: "us-east-1",
            cidrBlock: "10.110.0.0/16",
            availabilityZoneCount: 2,
            natGateways: "none",
            interfaceEndpoints,
            namer: new Namer({ prefix: "acmepay", environment: "dev" }),
          },
          { providers: { aws: provider } },
        );
      };

    it("places each interface endpoint only in the subnets of the zones that offer it", async () => {
      const evaluation = await evaluate({
        stack: "dev",
        root: PROJECT_ROOT,
        program: networkOnly(),
        invokeOverrides: offeredIn({ "rds-data": ["b", "c"] }),
      });
      for (const role of ["primary"] as const) {
        const vpc = inRegion(evaluation, role, "awsx:ec2:Vpc")[0];
        const [zoneA, zoneB] = vpc.outputs.privateSubnetIds as string[];
        const endpoint = (service: string) =>
          inRegion(evaluation, role, "aws:ec2/vpcEndpoint:VpcEndpoint").find(
            (r) => r.name === `${role}-network-${service}`,
          )?.rawInputs.subnetIds;
        assert.deepEqual(endpoint("rds-data"), [zoneB]);
        assert.deepEqual(endpoint("sqs"), [zoneA, zoneB]);
      }
    });

    it("adds an endpoint for every service the program uses with interfaceEndpoints: all", async () => {
      const evaluation = await evaluate({
        stack: "dev",
        root: PROJECT_ROOT,
        program: networkOnly("all"),
      });
      assert.deepEqual(
        inRegion(evaluation, "primary", "aws:ec2/vpcEndpoint:VpcEndpoint")
          .filter((e) => e.rawInputs.vpcEndpointType === "Interface")
          .map((e) => String(e.rawInputs.serviceName).split(".").slice(3).join("."))
          .sort(),
        [...INTERFACE_ENDPOINT_SERVICES].sort(),
      );
    });

    it("fails the deployment, naming the service and the zones, when a service is in none of them", async () => {
      await assert.rejects(
        evaluate({
          stack: "dev",
          root: PROJECT_ROOT,
          program: networkOnly(),
          invokeOverrides: offeredIn({ sqs: ["c"] }),
        }),
        (error: Error) => {
          assert.match(
            error.message,
            /com\.amazonaws\.us-east-1\.sqs is offered in none of the VPC's zones \(us-east-1a, us-east-1b\); it is offered in us-east-1c\. Run npm run preflight/,
          );
          return true;
        },
      );
    });
  });
});
