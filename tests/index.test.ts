import { strict as assert } from "node:assert";
import { stackPlan } from "./fixtures/plan";
import { ConfigError } from "../model/config";
import {
  evaluate,
  type Evaluation,
  providerDefaultTags,
  type RecordedResource,
} from "../tools/engine/engine";
import { checkInvariants } from "../tools/engine/invariants";
import { DATA_STORE_TYPES } from "../policy/resilience";
import statefulUrns from "./fixtures/stateful-urns.json";

/**
 * Resources whose replacement loses state: the data stores the policy pack protects, plus the
 * database instances, the hosted zone (a new zone has new name servers: the delegation breaks) and
 * the active-region flag (a new parameter would undo a failover).
 */
const STATEFUL_TYPES = [
  ...DATA_STORE_TYPES,
  "aws:rds/clusterInstance:ClusterInstance",
  "aws:route53/zone:Zone",
  "aws:ssm/parameter:Parameter",
];

/** The whole program, evaluated offline for each stack with its own Pulumi.<stack>.yaml. */
describe("the program", () => {
  const evaluations = new Map<string, Evaluation>();

  before(async () => {
    for (const stack of ["dev", "prod"]) {
      evaluations.set(stack, await stackPlan(stack));
    }
  });

  for (const stack of ["dev", "prod"]) {
    describe(`stack ${stack}`, () => {
      const evaluation = () => evaluations.get(stack) as Evaluation;
      const providers = () =>
        evaluation().resources.filter((r) => r.type === "pulumi:providers:aws");

      it("keeps every program-wide invariant", () => {
        for (const result of checkInvariants(evaluation())) {
          assert.deepEqual(result.violations, [], result.name);
        }
      });

      // tests/fixtures/stateful-urns.json lists every stateful resource's URN as deployed stacks
      // know it. A refactor that moves one must alias the old URN, or `pulumi up` replaces it; a
      // new stateful resource is added to the list on purpose.
      it("keeps every stateful resource at its URN, or aliases the URN it had", () => {
        const known: readonly string[] = statefulUrns[stack as keyof typeof statefulUrns];
        const answersTo = (r: RecordedResource) => [r.urn, ...r.options.aliases];
        const stateful = evaluation().resources.filter((r) => STATEFUL_TYPES.includes(r.type));
        const missing = known.filter((urn) => !stateful.some((r) => answersTo(r).includes(urn)));
        assert.deepEqual(missing, [], "stateful URNs no resource answers to");
        const unknown = stateful
          .filter((r) => !answersTo(r).some((urn) => known.includes(urn)))
          .map((r) => r.urn);
        assert.deepEqual(
          unknown,
          [],
          "stateful resources not in tests/fixtures/stateful-urns.json",
        );
      });

      it("creates exactly one AWS provider per configured region", () => {
        const { regions } = evaluation().config;
        assert.deepEqual(
          providers().map((p) => [p.name, p.region]),
          [
            ["aws-primary", regions.primary],
            ["aws-secondary", regions.secondary],
          ],
        );
      });

      it("tags everything through the providers' defaultTags", () => {
        for (const provider of providers()) {
          assert.deepEqual(providerDefaultTags(provider.rawInputs), {
            ...evaluation().config.tags,
          });
        }
        assert.equal(providerDefaultTags(providers()[0].rawInputs).Environment, stack);
      });

      it("exports the regions and the account each provider deploys into", () => {
        const { outputs, config } = evaluation();
        assert.deepEqual(outputs.regions, { ...config.regions });
        const account = stack === "prod" ? "418295077265" : "111122223333";
        assert.deepEqual(outputs.accountIds, { primary: account, secondary: account });
      });
    });
  }

  it("locks prod's providers to its account, and leaves dev's unlocked", () => {
    const allowed = (stack: string) =>
      (evaluations.get(stack) as Evaluation).resources
        .filter((r: RecordedResource) => r.type === "pulumi:providers:aws")
        .map((r) => r.rawInputs.allowedAccountIds);
    assert.deepEqual(allowed("prod"), ['["418295077265"]', '["418295077265"]']);
    assert.deepEqual(allowed("dev"), [undefined, undefined]);
  });

  it("fails on a bad config before registering any resource, naming the key", async () => {
    const registered: RecordedResource[] = [];
    await assert.rejects(
      evaluate({ stack: "dev", configOverrides: { dnsZoneName: "example.com" }, sink: registered }),
      (error: unknown) =>
        ConfigError.isConfigError(error) &&
        error.problems.length === 1 &&
        error.problems[0].startsWith('payments-dr:dnsZoneName = "example.com": is reserved'),
    );
    assert.deepEqual(
      registered.map((r) => r.type),
      ["pulumi:pulumi:Stack"],
    );
  });
});
