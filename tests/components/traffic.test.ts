import { strict as assert } from "node:assert";
import { POLICIES } from "../../policy/policies";
import { evaluate, type Evaluation, PROJECT_ROOT } from "../../tools/engine/engine";
import { recoveryBudget } from "../../tools/engine/plan-document";
import { loadPackConfig, runPolicyPack } from "../../tools/engine/policy-runner";
import { find, STACK_RPO_BUDGET, STACK_TRAFFIC_BUDGET, stackPlan } from "../fixtures/plan";

describe("traffic failover", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await stackPlan(stack);
      });

      for (const role of ["primary", "secondary"] as const) {
        it(`sends api.<zone> ${role === "primary" ? "PRIMARY" : "SECONDARY"} to the ${role}'s custom domain, guarded by its health check`, () => {
          const region = evaluation.config.regions[role];
          const zone = evaluation.config.dnsZoneName;
          const check = find(
            evaluation,
            "aws:route53/healthCheck:HealthCheck",
            `traffic-${role}-endpoint`,
          );
          assert.deepEqual(
            {
              type: check.rawInputs.type,
              fqdn: check.rawInputs.fqdn,
              port: check.rawInputs.port,
              resourcePath: check.rawInputs.resourcePath,
              enableSni: check.rawInputs.enableSni,
              requestInterval: check.rawInputs.requestInterval,
              failureThreshold: check.rawInputs.failureThreshold,
              measureLatency: check.rawInputs.measureLatency,
              regions: check.rawInputs.regions,
            },
            {
              type: "HTTPS",
              fqdn: `${region}.api.${zone}`,
              port: 443,
              resourcePath: role === "primary" ? "/health?role=active" : "/health",
              enableSni: true,
              requestInterval: evaluation.config.healthChecks.intervalSeconds,
              failureThreshold: evaluation.config.healthChecks.failureThreshold,
              measureLatency: true,
              regions: evaluation.config.healthChecks.regions,
            },
          );
          const guard = find(
            evaluation,
            "aws:route53/healthCheck:HealthCheck",
            `traffic-${role}-record`,
          );
          assert.equal(guard.rawInputs.type, "CALCULATED");
          if (evaluation.config.arcRoutingControls) {
            // Healthy only while the endpoint passes and the region's routing control is on.
            const control = find(
              evaluation,
              "aws:route53/healthCheck:HealthCheck",
              `traffic-${role}-routing-control`,
            );
            const routingControl = find(
              evaluation,
              "aws:route53recoverycontrol/routingControl:RoutingControl",
              `traffic-${role}-arc`,
            );
            assert.equal(control.rawInputs.type, "RECOVERY_CONTROL");
            assert.equal(control.rawInputs.routingControlArn, routingControl.outputs.arn);
            assert.deepEqual(guard.rawInputs.childHealthchecks, [check.id, control.id]);
            assert.equal(guard.rawInputs.childHealthThreshold, 2);
          } else {
            assert.deepEqual(guard.rawInputs.childHealthchecks, [check.id]);
            assert.equal(guard.rawInputs.childHealthThreshold, 1);
          }
          const record = find(evaluation, "aws:route53/record:Record", `traffic-${role}`);
          const domain = find(
            evaluation,
            "aws:apigateway/domainName:DomainName",
            `${role}-compute-api-domain`,
          );
          assert.equal(domain.rawInputs.domainName, `api.${zone}`);
          assert.deepEqual(
            {
              zoneId: record.rawInputs.zoneId,
              name: record.rawInputs.name,
              type: record.rawInputs.type,
              ttl: record.rawInputs.ttl,
              records: record.rawInputs.records,
              setIdentifier: record.rawInputs.setIdentifier,
              failoverRoutingPolicies: record.rawInputs.failoverRoutingPolicies,
              healthCheckId: record.rawInputs.healthCheckId,
            },
            {
              zoneId: find(evaluation, "aws:route53/zone:Zone", "zone-zone").outputs.zoneId,
              name: `api.${zone}`,
              type: "CNAME",
              ttl: evaluation.config.failoverRecordTtlSeconds,
              records: [domain.outputs.regionalDomainName],
              setIdentifier: region,
              failoverRoutingPolicies: [{ type: role === "primary" ? "PRIMARY" : "SECONDARY" }],
              healthCheckId: guard.id,
            },
          );
          assert.ok(String(domain.outputs.regionalDomainName).includes(`.${region}.`));
        });
      }

      it("reports the same traffic budget in the stack outputs and the plan", () => {
        const budget = recoveryBudget(evaluation);
        assert.deepEqual(
          (evaluation.outputs.recovery as { traffic: unknown }).traffic,
          budget.traffic,
        );
        assert.deepEqual(budget.traffic, STACK_TRAFFIC_BUDGET);
        assert.deepEqual(budget.targets, { rtoTrafficSeconds: 90, rpoSeconds: 5 });
        assert.deepEqual(budget.rpo, STACK_RPO_BUDGET);
        assert.deepEqual((evaluation.outputs.recovery as { rpo: unknown }).rpo, budget.rpo);
      });
    });
  }

  describe("the payments RPO follows the data stores and their alarms", () => {
    it("is 0 for the table in multi-Region strong consistency, the ledger's alarm deciding", async () => {
      const evaluation = await evaluate({
        stack: "prod",
        configOverrides: { dynamodbConsistency: "strong", dynamodbWitnessRegion: "us-east-2" },
      });
      const rpo = recoveryBudget(evaluation).rpo;
      assert.deepEqual(
        rpo?.stores.map((s) => [s.store, s.seconds]),
        [
          ["payments table", 0],
          ["ledger", 1],
          ["receipts", 900],
        ],
      );
      assert.equal(rpo?.paymentsWorstSeconds, 1);
    });

    it("a looser replication alarm than the target is a mandatory violation", async () => {
      const evaluation = await evaluate({
        stack: "prod",
        configOverrides: { alarmDynamodbReplicationLatencyMs: "30000" },
      });
      assert.equal(recoveryBudget(evaluation).rpo?.paymentsWorstSeconds, 30);
      const pack = await runPolicyPack(POLICIES, evaluation, loadPackConfig(PROJECT_ROOT, "prod"));
      assert.deepEqual(
        pack.violations
          .filter((v) => v.policy === "recovery-objectives")
          .map((v) => [v.enforcementLevel, v.message]),
        [
          [
            "mandatory",
            "the payments table's RPO is 30 s (eventual replication (typically under 1 s); later than this raises the ReplicationLatency alarm), over the target of 5 s",
          ],
        ],
      );
    });
  });

  describe("the budget follows the configuration", () => {
    const cases: [string, Record<string, string>, number][] = [
      ["a higher failure threshold", { healthCheckFailureThreshold: "4" }, 4 * 10 + 10 + 60],
      ["the slow interval", { healthCheckIntervalSeconds: "30" }, 30 * 2 + 30 + 60],
      ["a shorter TTL", { failoverRecordTtlSeconds: "30" }, 10 * 2 + 10 + 30],
    ];
    for (const [what, overrides, worst] of cases) {
      it(`${what}: worst case ${worst} s, and a mandatory violation when over the target`, async () => {
        const evaluation = await evaluate({ stack: "prod", configOverrides: overrides });
        assert.equal(recoveryBudget(evaluation).traffic?.worstCaseSeconds, worst);
        const pack = await runPolicyPack(
          POLICIES,
          evaluation,
          loadPackConfig(PROJECT_ROOT, "prod"),
        );
        const breaches = pack.violations.filter((v) => v.policy === "recovery-objectives");
        if (worst <= 90) {
          assert.deepEqual(breaches, []);
          return;
        }
        assert.deepEqual(
          breaches.map((v) => [v.enforcementLevel, v.message]),
          [
            [
              "mandatory",
              `worst-case traffic failover is ${worst} s (${overrides.healthCheckIntervalSeconds ?? 10} s interval × ${overrides.healthCheckFailureThreshold ?? 2} failed checks + ${overrides.healthCheckIntervalSeconds ?? 10} s checker aggregation + 60 s TTL), over the target of 90 s`,
            ],
          ],
        );
      });
    }
  });
});

describe("ARC routing controls (arcRoutingControls, prod)", () => {
  let evaluation: Evaluation;
  before(async () => {
    evaluation = await stackPlan("prod");
  });

  it("keeps at least one region's routing control on, in a control panel of one cluster, managed from us-west-2", () => {
    const cluster = find(evaluation, "aws:route53recoverycontrol/cluster:Cluster", "traffic-arc");
    const panel = find(
      evaluation,
      "aws:route53recoverycontrol/controlPanel:ControlPanel",
      "traffic-arc",
    );
    assert.equal(panel.rawInputs.clusterArn, cluster.outputs.arn);
    const controls = ["primary", "secondary"].map((role) =>
      find(
        evaluation,
        "aws:route53recoverycontrol/routingControl:RoutingControl",
        `traffic-${role}-arc`,
      ),
    );
    for (const control of controls) {
      assert.equal(control.rawInputs.controlPanelArn, panel.outputs.arn);
    }
    const rule = find(
      evaluation,
      "aws:route53recoverycontrol/safetyRule:SafetyRule",
      "traffic-arc-at-least-one-on",
    );
    assert.deepEqual(rule.rawInputs.ruleConfig, { type: "ATLEAST", threshold: 1, inverted: false });
    assert.deepEqual(
      rule.rawInputs.assertedControls,
      controls.map((c) => c.outputs.arn),
    );
    for (const r of [cluster, panel, rule, ...controls]) {
      assert.equal(r.placement, "us-west-2", r.name);
      assert.equal(r.region, null, `${r.name} is global`);
    }
  });

  it("lets the runbook flip them: on for its own region, off for the other, and nothing else", () => {
    for (const [role, peer] of [
      ["primary", "secondary"],
      ["secondary", "primary"],
    ] as const) {
      const definition = JSON.parse(
        String(
          find(evaluation, "aws:sfn/stateMachine:StateMachine", `${role}-failover-runbook`)
            .rawInputs.definition,
        ),
      ) as {
        States: Record<
          string,
          { Type: string; Parameters?: { Payload?: Record<string, unknown> } }
        >;
      };
      const arn = (r: string) =>
        find(
          evaluation,
          "aws:route53recoverycontrol/routingControl:RoutingControl",
          `traffic-${r}-arc`,
        ).outputs.arn;
      const payload = definition.States.RouteTraffic.Parameters?.Payload ?? {};
      assert.equal(definition.States.RouteTraffic.Type, "Task");
      assert.equal(payload.on, arn(role));
      assert.equal(payload.off, arn(peer));
      assert.equal((payload.clusterEndpoints as unknown[]).length, 5);
      const policy = JSON.parse(
        String(
          find(evaluation, "aws:iam/rolePolicy:RolePolicy", `${role}-failover-steps`).rawInputs
            .policy,
        ),
      ) as { Statement: { Sid: string; Action: string; Resource: string[] }[] };
      const route = policy.Statement.find((s) => s.Sid === "RouteTraffic");
      assert.deepEqual(route?.Action, "route53-recovery-cluster:UpdateRoutingControlStates");
      assert.deepEqual([...(route?.Resource ?? [])].sort(), [arn(role), arn(peer)].sort());
    }
  });

  it("is off in dev: the runbook records that DNS health checks carry the traffic", async () => {
    const dev = await stackPlan("dev");
    assert.equal(
      dev.resources.filter((r) => r.type.startsWith("aws:route53recoverycontrol/")).length,
      0,
    );
    const definition = JSON.parse(
      String(
        find(dev, "aws:sfn/stateMachine:StateMachine", "primary-failover-runbook").rawInputs
          .definition,
      ),
    ) as { States: Record<string, { Type: string }> };
    assert.equal(definition.States.RouteTraffic.Type, "Pass");
  });
});
