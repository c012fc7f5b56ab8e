import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { readTaggableTypes, TAGGABLE_TYPES_FILE } from "../../tools/taggable-types";

describe("policy/taggable-types.json", () => {
  it("matches the installed @pulumi/aws (regenerate with npm run generate:taggable)", () => {
    const committed = JSON.parse(fs.readFileSync(TAGGABLE_TYPES_FILE, "utf8")) as unknown;
    assert.deepEqual(committed, readTaggableTypes());
  });

  it("knows the taggable types this program uses, and not the untaggable ones", () => {
    const { types } = readTaggableTypes();
    for (const type of [
      "aws:s3/bucket:Bucket",
      "aws:sqs/queue:Queue",
      "aws:lambda/function:Function",
      "aws:rds/cluster:Cluster",
    ]) {
      assert.ok(types.includes(type), type);
    }
    assert.ok(!types.includes("aws:iam/rolePolicyAttachment:RolePolicyAttachment"));
    assert.ok(!types.includes("aws:s3/bucketPolicy:BucketPolicy"));
  });
});
