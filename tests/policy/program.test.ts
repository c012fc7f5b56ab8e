import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import { POLICIES } from "../../policy/policies";
import { evaluate, type Evaluation, type RecordedResource } from "../../tools/engine/engine";
import {
  loadPackConfig,
  type PackResult,
  type PolicyViolation,
  runPolicyPack,
} from "../../tools/engine/policy-runner";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import { runPlan } from "../../tools/plan";
import { fixtureProgram, type FixtureFaults } from "../fixtures/programs";

const mandatory = (pack: PackResult) =>
  pack.violations.filter((v) => v.enforcementLevel === "mandatory");
const runPack = (evaluation: Evaluation) =>
  runPolicyPack(POLICIES, evaluation, loadPackConfig(PROJECT_ROOT, evaluation.stack));

async function planOf(stack: string, faults: FixtureFaults) {
  const out: string[] = [];
  const code = await runPlan(
    ["--stack", stack],
    { out: (t) => out.push(t), err: (t) => out.push(t) },
    {
      program: fixtureProgram(undefined, faults),
    },
  );
  return { code, out: out.join("\n") };
}

/** A copy of a recorded resource with one input and output changed, as if the program had it. */
function edited(
  resource: RecordedResource,
  change: (props: Record<string, unknown>) => void,
): RecordedResource {
  const rawInputs = structuredClone(resource.rawInputs) as Record<string, unknown>;
  const outputs = structuredClone(resource.outputs) as Record<string, unknown>;
  change(rawInputs);
  change(outputs);
  return { ...resource, rawInputs, outputs };
}

function withEdit(
  evaluation: Evaluation,
  name: string,
  change: (props: Record<string, unknown>) => void,
): Evaluation {
  return {
    ...evaluation,
    resources: evaluation.resources.map((r) => (r.name === name ? edited(r, change) : r)),
  };
}

describe("the policy pack on the program", () => {
  for (const stack of ["dev", "prod"]) {
    it(`finds no violation in the ${stack} stack`, async () => {
      const pack = await runPack(await stackPlan(stack));
      assert.deepEqual(pack.violations, []);
      assert.equal(pack.policies.length, POLICIES.length);
    });
  }

  it("fails every VPC-attached function that calls a service its VPC has no endpoint for (dev: no NAT)", async () => {
    const dev = await stackPlan("dev");
    const withoutSsm: Evaluation = {
      ...dev,
      resources: dev.resources.filter(
        (r) =>
          !(
            r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" &&
            String(r.rawInputs.serviceName).endsWith(".ssm")
          ),
      ),
    };
    const failed = (await runPack(withoutSsm)).violations
      .filter((v) => v.policy === "vpc-functions-reach-their-services")
      .map((v) => v.message.split(" ")[1])
      .sort();
    // The functions in the private subnets that read the active-region flag.
    assert.deepEqual(failed, [
      "acmepay-dev-health-use1",
      "acmepay-dev-health-usw2",
      "acmepay-dev-payments-api-use1",
      "acmepay-dev-payments-api-usw2",
      "acmepay-dev-payments-processor-use1",
      "acmepay-dev-payments-processor-usw2",
      "acmepay-dev-sweeper-use1",
      "acmepay-dev-sweeper-usw2",
    ]);
  });

  it("finds no violation in prod with multi-Region strong consistency", async () => {
    const evaluation = await evaluate({
      stack: "prod",
      configOverrides: { dynamodbConsistency: "strong", dynamodbWitnessRegion: "us-east-2" },
    });
    assert.deepEqual((await runPack(evaluation)).violations, []);
  });

  describe("catches what a change removes (fixture tiers stand in for the program's)", () => {
    let dev: Evaluation;
    before(async () => {
      dev = await evaluate({ stack: "dev", program: fixtureProgram() });
      assert.deepEqual(mandatory(await runPack(dev)), [], "the fixture starts compliant");
    });

    it("removing a queue's key fails `npm run plan` with sqs-cmk", async () => {
      const { code, out } = await planOf("dev", { unencryptedQueue: true });
      assert.equal(code, 1);
      assert.ok(
        out.includes(
          "  ✗ [mandatory] sqs-cmk: is not encrypted with a customer managed KMS key (kmsMasterKeyId)\n" +
            "      urn:pulumi:dev::payments-dr::fixture:index:Tier$aws:sqs/queue:Queue::primary-queue",
        ),
        out,
      );
    });

    it("removing a queue's dead-letter queue is advisory in dev and mandatory in prod", async () => {
      const message =
        "queue acmepay-fixture-primary has no dead-letter queue (redrivePolicy.deadLetterTargetArn)";
      const devPlan = await planOf("dev", { noDeadLetterQueue: true });
      assert.equal(devPlan.code, 0);
      assert.ok(
        devPlan.out.includes(`  ! [advisory] sqs-dead-letter-queues: ${message}`),
        devPlan.out,
      );
      const prodPlan = await planOf("prod", { noDeadLetterQueue: true });
      assert.equal(prodPlan.code, 1);
      assert.ok(
        prodPlan.out.includes(`  ✗ [mandatory] sqs-dead-letter-queues: ${message}`),
        prodPlan.out,
      );
    });

    it("removing a required tag from the recorded plan fails required-tags on every taggable resource", async () => {
      const edit = withEdit(dev, "aws-primary", (props) => {
        props.defaultTags = JSON.stringify({
          tags: { Environment: "dev", Application: "payments-dr" },
        });
      });
      const violations = mandatory(await runPack(edit));
      const expected =
        "missing required tags: Owner, CostCenter, DataClassification (set them on the resource or in the provider's defaultTags)";
      assert.ok(
        violations.every(
          (v: PolicyViolation) => v.policy === "required-tags" && v.message === expected,
        ),
      );
      assert.deepEqual(violations.map((v) => v.urn?.split("::").pop()).sort(), [
        "primary-bucket",
        "primary-dlq",
        "primary-dlq-depth",
        "primary-key",
        "primary-queue",
        "primary-role",
        "primary-table",
      ]);
    });

    it("turning PITR off in the recorded plan fails dynamodb-pitr under the prod policy config", async () => {
      const edit = withEdit(dev, "primary-table", (props) => {
        props.pointInTimeRecovery = { enabled: false };
      });
      const pack = await runPolicyPack(POLICIES, edit, { "dynamodb-pitr": "mandatory" });
      assert.deepEqual(
        mandatory(pack).filter((v) => v.policy === "dynamodb-pitr"),
        [
          {
            policy: "dynamodb-pitr",
            enforcementLevel: "mandatory",
            urn: "urn:pulumi:dev::payments-dr::fixture:index:Tier$aws:dynamodb/table:Table::primary-table",
            message: "point-in-time recovery is off (pointInTimeRecovery.enabled)",
          },
        ],
      );
    });
  });
});
