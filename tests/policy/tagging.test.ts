import { strict as assert } from "node:assert";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { requiredTags } from "../../policy/tagging";
import { runResourcePolicy } from "../../tools/engine/policy-runner";
import { messagesOf, provider, resource, TAGS } from "./harness";

const queue = (props: Record<string, unknown>, tags: Record<string, string> = TAGS) =>
  resource("aws:sqs/queue:Queue", "payments", props, { provider: provider("us-east-1", tags) });

describe("required-tags", () => {
  it("counts the provider's defaultTags", async () => {
    assert.deepEqual(await messagesOf(requiredTags, queue({ name: "q" })), []);
  });

  it("accepts the tags on the resource itself", async () => {
    assert.deepEqual(await messagesOf(requiredTags, queue({ tags: TAGS }, {})), []);
  });

  it("names the missing tags", async () => {
    const { Owner: _owner, CostCenter: _cost, ...partial } = TAGS;
    assert.deepEqual(await messagesOf(requiredTags, queue({}, partial)), [
      "missing required tags: Owner, CostCenter (set them on the resource or in the provider's defaultTags)",
    ]);
  });

  it("rejects an empty value, even when the provider has a good one", async () => {
    assert.deepEqual(await messagesOf(requiredTags, queue({ tags: { Owner: " " } })), [
      "required tags with empty values: Owner",
    ]);
  });

  it("rejects an Environment that is not the stack's", async () => {
    assert.deepEqual(await messagesOf(requiredTags, queue({ tags: { Environment: "prod" } })), [
      'tag Environment is "prod" but this stack\'s environment is "dev"',
    ]);
  });

  it("takes the required keys and the environment from the pack config", async () => {
    const config = { "required-tags": { requiredTags: ["Team"], environment: "staging" } };
    assert.deepEqual(await messagesOf(requiredTags, queue({}), config), [
      "missing required tags: Team (set them on the resource or in the provider's defaultTags)",
      'tag Environment is "dev" but this stack\'s environment is "staging"',
    ]);
  });

  it("is not applicable to resources that take no tags", async () => {
    const attachment = resource(
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "a",
      {},
      { provider: provider("us-east-1", {}) },
    );
    const outcome = await runResourcePolicy(requiredTags, attachment);
    assert.deepEqual(outcome, {
      violations: [],
      notApplicable: [
        "required-tags: aws:iam/rolePolicyAttachment:RolePolicyAttachment does not take tags",
      ],
    });
  });

  it("reports tags unknown during preview as advisory, as the engine does", async () => {
    const outcome = await runResourcePolicy(requiredTags, queue({ tags: unknownValue }));
    assert.equal(outcome.violations.length, 1);
    assert.equal(outcome.violations[0].enforcementLevel, "advisory");
    assert.match(
      outcome.violations[0].message,
      /^can't run policy 'required-tags' from policy pack 'payments-dr@v0.1.0' during preview: /,
    );
  });
});
