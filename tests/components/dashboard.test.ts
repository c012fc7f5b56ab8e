import { strict as assert } from "node:assert";
import type { Evaluation } from "../../tools/engine/engine";
import { find, stackPlan } from "../fixtures/plan";

interface Widget {
  x: number;
  y: number;
  properties: { title: string; region: string; metrics: (string | { region?: string })[][] };
}

describe("operations dashboard", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      let widgets: Widget[];
      before(async () => {
        evaluation = await stackPlan(stack);
        const dashboard = find(evaluation, "aws:cloudwatch/dashboard:Dashboard", "dashboard");
        assert.equal(dashboard.placement, evaluation.config.regions.primary);
        widgets = (JSON.parse(String(dashboard.rawInputs.dashboardBody)) as { widgets: Widget[] })
          .widgets;
      });

      it("shows each signal for both regions side by side, primary on the left", () => {
        const { primary, secondary } = evaluation.config.regions;
        assert.equal(widgets.length, 18);
        for (let row = 0; row < widgets.length / 2; row++) {
          const [left, right] = [widgets[2 * row], widgets[2 * row + 1]];
          assert.deepEqual([left.x, right.x, left.y, right.y], [0, 12, row * 6, row * 6]);
          assert.deepEqual([left.properties.region, right.properties.region], [primary, secondary]);
          assert.equal(
            left.properties.title.replace(primary, "R").replace("primary", "role"),
            right.properties.title.replace(secondary, "R").replace("secondary", "role"),
          );
        }
      });

      it("graphs each region's own resources (health checks from us-east-1, where Route 53 publishes)", () => {
        for (const role of ["primary", "secondary"] as const) {
          const region = evaluation.config.regions[role];
          const own = widgets.filter((w) => w.properties.region === region);
          const dimension = (namespace: string, name: string) =>
            own.flatMap((w) =>
              w.properties.metrics
                .filter((m) => m[0] === namespace)
                .map((m) => m[m.indexOf(name) + 1]),
            );
          const functions = ["payments-api", "payments-processor", "health", "sweeper"].map((n) =>
            String(
              find(evaluation, "aws:lambda/function:Function", `${role}-compute-${n}`).outputs.name,
            ),
          );
          functions.push(
            String(
              find(evaluation, "aws:lambda/function:Function", `${role}-orchestration-authorize`)
                .outputs.name,
            ),
          );
          assert.deepEqual(
            [...new Set(dimension("AWS/Lambda", "FunctionName"))].sort(),
            functions.sort(),
          );
          assert.deepEqual(
            [...new Set(dimension("AWS/States", "StateMachineArn"))],
            [
              find(
                evaluation,
                "aws:sfn/stateMachine:StateMachine",
                `${role}-orchestration-payments`,
              ).outputs.arn,
            ],
          );
          assert.deepEqual(
            [...new Set(dimension("AWS/RDS", "DBClusterIdentifier"))],
            [
              find(evaluation, "aws:rds/cluster:Cluster", `${role}-data-ledger`).outputs
                .clusterIdentifier,
            ],
          );
          assert.deepEqual(
            [...new Set(dimension("AWS/ApiGateway", "ApiName"))],
            [
              find(evaluation, "aws:apigateway/restApi:RestApi", `${role}-compute-api`).outputs
                .name,
            ],
          );
          const replication = evaluation.resources.find(
            (r) =>
              r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig" &&
              r.placement === region,
          );
          const ruleIds = (replication?.rawInputs.rules as { id: string }[]).map((r) => r.id);
          assert.deepEqual([...new Set(dimension("AWS/S3", "RuleId"))], ruleIds);
          const health = own.flatMap((w) =>
            w.properties.metrics.filter((m) => m[0] === "AWS/Route53"),
          );
          assert.deepEqual(health, [
            [
              "AWS/Route53",
              "HealthCheckStatus",
              "HealthCheckId",
              find(evaluation, "aws:route53/healthCheck:HealthCheck", `traffic-${role}-endpoint`)
                .id,
              { region: "us-east-1" },
            ],
          ]);
        }
      });
    });
  }
});
