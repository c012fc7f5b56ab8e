import { strict as assert } from "node:assert";
import { allowedRegions, symmetricRegionalTiers } from "../../policy/regions";
import { provider, resource, stackMessagesOf, urnOf } from "./harness";
import type { StackResourceUnderTest } from "../../tools/engine/policy-runner";

const STACK = resource("pulumi:pulumi:Stack", "payments-dr-dev", {}, { provider: undefined });

function tier(type: string, name: string, region: string): StackResourceUnderTest[] {
  const component = resource(type, name, {}, { provider: undefined, parent: STACK.urn });
  const child = resource(
    "aws:sqs/queue:Queue",
    `${name}-queue`,
    {},
    {
      provider: provider(region),
      parent: component.urn,
      urn: urnOf(`${type}$aws:sqs/queue:Queue`, `${name}-queue`),
    },
  );
  return [component, child];
}

describe("region policies", () => {
  describe("symmetric-regional-tiers", () => {
    const both = [
      STACK,
      ...tier("payments:index:DataTier", "primary-data", "us-east-1"),
      ...tier("payments:index:DataTier", "secondary-data", "us-west-2"),
    ];

    it("passes the same tiers in both regions", async () => {
      assert.deepEqual(await stackMessagesOf(symmetricRegionalTiers, both), []);
    });
    it("rejects a tier in one region only", async () => {
      const lopsided = [
        ...both,
        ...tier("payments:index:ComputeTier", "primary-compute", "us-east-1"),
      ];
      assert.deepEqual(await stackMessagesOf(symmetricRegionalTiers, lopsided), [
        "tier payments:index:ComputeTier runs in us-east-1 but not in us-west-2",
      ]);
    });
    it("reads the regions from the pack config", async () => {
      const config = { "symmetric-regional-tiers": { regions: ["us-east-1", "eu-west-1"] } };
      assert.deepEqual(await stackMessagesOf(symmetricRegionalTiers, both, config), [
        "tier payments:index:DataTier runs in us-east-1 but not in eu-west-1",
      ]);
    });
  });

  describe("allowed-regions", () => {
    it("passes resources in the stack's regions", async () => {
      assert.deepEqual(
        await stackMessagesOf(allowedRegions, [resource("aws:sqs/queue:Queue", "q", {})]),
        [],
      );
    });
    it("rejects a resource in another region, by provider or by its own region", async () => {
      const stray = resource(
        "aws:sqs/queue:Queue",
        "stray",
        {},
        { provider: provider("eu-west-1") },
      );
      const own = resource("aws:sqs/queue:Queue", "own", { region: "ap-south-1" });
      assert.deepEqual(await stackMessagesOf(allowedRegions, [stray, own]), [
        "aws:sqs/queue:Queue stray is in eu-west-1; this stack uses us-east-1 and us-west-2",
        "aws:sqs/queue:Queue own is in ap-south-1; this stack uses us-east-1 and us-west-2",
      ]);
    });
  });
});
