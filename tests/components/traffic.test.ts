import { strict as assert } from "node:assert";
import { POLICIES } from "../../policy/policies";
import { evaluate, type Evaluation, PROJECT_ROOT } from "../../tools/engine/engine";
import { recoveryBudget } from "../../tools/engine/plan-document";
import { loadPackConfig, runPolicyPack } from "../../tools/engine/policy-runner";
import { find, STACK_RPO_BUDGET, STACK_TRAFFIC_BUDGET } from "../fixtures/plan";

describe("traffic failover", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await evaluate({ stack });
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
          assert.deepEqual(guard.rawInputs.childHealthchecks, [check.id]);
          assert.equal(guard.rawInputs.type, "CALCULATED");
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
