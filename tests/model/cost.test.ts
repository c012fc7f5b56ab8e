import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type CostedResource,
  estimateMonthlyCost,
  FUNCTION_WORK,
  HOURS_PER_MONTH,
} from "../../model/cost";
import { PRICES, PRICES_AS_OF } from "../../model/prices";
import { lambdaArm64, monthlyCostBudget } from "../../policy/cost";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import { costEstimate } from "../../tools/engine/plan-document";
import { stackPlan } from "../fixtures/plan";
import { messagesOf, resource, stackMessagesOf } from "../policy/harness";

const EAST = PRICES["us-east-1"];

function costed(type: string, props: Record<string, unknown>, region: string | null = "us-east-1") {
  return {
    type,
    urn: `urn:pulumi:dev::payments-dr::payments:index:Network$${type}::x`,
    region,
    props,
  };
}

const estimate = (resources: CostedResource[], paymentsPerMonth = 0) =>
  estimateMonthlyCost(resources, { paymentsPerMonth, activeRegion: "us-east-1" });

describe("cost estimate (model/cost.ts)", () => {
  describe("prices each fixed item as its pricing page bills it", () => {
    it("an interface endpoint per zone and hour", () => {
      const cost = estimate([
        costed("aws:ec2/vpcEndpoint:VpcEndpoint", {
          vpcEndpointType: "Interface",
          serviceName: "com.amazonaws.us-east-1.sqs",
          subnetIds: ["subnet-a", "subnet-b"],
        }),
        costed("aws:ec2/vpcEndpoint:VpcEndpoint", {
          vpcEndpointType: "Gateway",
          serviceName: "com.amazonaws.us-east-1.s3",
        }),
      ]);
      assert.equal(
        cost.totalUsd,
        Math.round(2 * HOURS_PER_MONTH * EAST.interfaceEndpointHour.usd * 100) / 100,
      );
      assert.deepEqual(cost.byComponent, { Network: 14.6 });
    });

    it("NAT gateways with their addresses, from awsx's strategy offline and from its children under pulumi up, never both", () => {
      const vpc = costed("awsx:ec2:Vpc", {
        natGateways: { strategy: "OnePerAz" },
        numberOfAvailabilityZones: 3,
      });
      const perGateway =
        HOURS_PER_MONTH * (EAST.natGatewayHour.usd + EAST.publicIpv4AddressHour.usd);
      assert.equal(estimate([vpc]).totalUsd, Math.round(3 * perGateway * 100) / 100);
      const children = ["a", "b", "c"].map(() => costed("aws:ec2/natGateway:NatGateway", {}));
      assert.equal(estimate([vpc, ...children]).totalUsd, estimate([vpc]).totalUsd);
    });

    it("a health check with each optional feature it uses, and ARC's cluster every hour, once (global)", () => {
      const cost = estimate([
        costed("aws:route53/healthCheck:HealthCheck", { type: "CALCULATED" }, null),
        costed("aws:route53recoverycontrol/cluster:Cluster", {}, null),
      ]);
      assert.deepEqual(cost.byRegion, { global: 0.5 + HOURS_PER_MONTH * EAST.arcClusterHour.usd });
      const https = estimate([
        costed(
          "aws:route53/healthCheck:HealthCheck",
          {
            type: "HTTPS",
            measureLatency: true,
            requestInterval: 10,
            regions: [],
            fqdn: "us-east-1.api.x",
          },
          null,
        ),
      ]);
      assert.equal(https.byRegion.global, 0.5 + 1 + 1 + 1);
    });

    it("a replica secret in the replica's region", () => {
      const cost = estimate([
        costed("aws:secretsmanager/secret:Secret", { replicas: [{ region: "us-west-2" }] }),
      ]);
      assert.deepEqual(cost.byRegion, { "us-east-1": 0.4, "us-west-2": 0.4 });
    });

    it("names what it cannot price instead of guessing", () => {
      const cost = estimate([
        costed("aws:kms/key:Key", {}, "eu-west-1"),
        costed("aws:rds/clusterInstance:ClusterInstance", { instanceClass: "db.x2g.large" }),
      ]);
      assert.equal(cost.totalUsd, 0);
      assert.deepEqual(cost.unpriced, [
        "Aurora instance class db.x2g.large (not in model/prices.ts)",
        "aws:kms/key:Key in eu-west-1 (no prices for the region in model/prices.ts)",
      ]);
    });
  });

  for (const stack of ["dev", "prod"]) {
    describe(`the ${stack} stack`, () => {
      it("knows the work of every function a payment runs, one per region", async () => {
        const names = (await stackPlan(stack)).resources
          .filter((r) => r.type === "aws:lambda/function:Function")
          .map((r) => String(r.rawInputs.name));
        for (const base of Object.keys(FUNCTION_WORK)) {
          assert.equal(names.filter((n) => n.includes(`-${base}-`)).length, 2, base);
        }
      });

      it("runs every function on arm64, which the estimate prices", async () => {
        const evaluation = await stackPlan(stack);
        const cost = costEstimate(evaluation);
        assert.equal(cost.unpriced.length, 0, cost.unpriced.join("\n"));
        assert.ok(cost.lines.some((l) => l.price === "lambdaArmGbSecond"));
        assert.ok(!cost.lines.some((l) => l.price === "lambdaX86GbSecond"));
      });

      it("is the figure the README states", async () => {
        const cost = costEstimate(await stackPlan(stack));
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        const figure = `≈ ${Math.round(cost.totalUsd).toLocaleString("en-US")} USD a month`;
        assert.match(
          readme,
          new RegExp(`^\\| \`${stack}\` +\\| ${figure} +\\|`, "m"),
          `README's stacks table should say ${figure} for ${stack}`,
        );
      });
    });
  }
});

describe("cost policies", () => {
  it("lambda-arm64 asks for Graviton", async () => {
    assert.deepEqual(
      await messagesOf(lambdaArm64, resource("aws:lambda/function:Function", "f", {})),
      ['runs on x86_64; architectures: ["arm64"] costs 20 % less per GB-second'],
    );
    assert.deepEqual(
      await messagesOf(
        lambdaArm64,
        resource("aws:lambda/function:Function", "f", { architectures: ["arm64"] }),
      ),
      [],
    );
  });

  it("monthly-cost-budget compares the estimate with the budget, when there is one", async () => {
    const cluster = resource("aws:route53recoverycontrol/cluster:Cluster", "arc", {});
    assert.deepEqual(await stackMessagesOf(monthlyCostBudget, [cluster]), []);
    assert.deepEqual(
      await stackMessagesOf(monthlyCostBudget, [cluster], {
        "monthly-cost-budget": { monthlyCostBudgetUsd: 2000, paymentsPerMonth: 0 },
      }),
      [],
    );
    assert.deepEqual(
      await stackMessagesOf(monthlyCostBudget, [cluster], {
        "monthly-cost-budget": { monthlyCostBudgetUsd: 1000, paymentsPerMonth: 0 },
      }),
      [
        `the estimated monthly cost is 1825 USD (0 payments a month, prices of ${PRICES_AS_OF}), over the budget of 1000 USD; largest: Stack 1825`,
      ],
    );
  });
});
