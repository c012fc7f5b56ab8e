import { strict as assert } from "node:assert";
import { Namer, NAME_RULES, type NameKind, nameViolation } from "../../model/naming";
import { AWS_REGIONS, regionCode } from "../../model/regions";

const namer = new Namer({ prefix: "acmepay", environment: "prod" });
const LONG_BASE = "x".repeat(300);

describe("naming", () => {
  it("builds regional and global names from prefix, environment, base and region code", () => {
    assert.equal(namer.regional("sqsQueue", "payments", "us-east-1"), "acmepay-prod-payments-use1");
    assert.equal(
      namer.regional("lambdaFunction", "api", "ap-southeast-2"),
      "acmepay-prod-api-apse2",
    );
    assert.equal(namer.global("dynamodbTable", "payments"), "acmepay-prod-payments");
    assert.equal(namer.regional("kmsAlias", "data", "us-west-2"), "alias/acmepay-prod-data-usw2");
  });

  describe("fits every service limit", () => {
    const limits: [NameKind, number][] = [
      ["s3Bucket", 63],
      ["iamRole", 64],
      ["lambdaFunction", 64],
      ["sqsQueue", 80],
      ["sfnStateMachine", 80],
      ["cloudwatchAlarm", 255],
      ["rdsCluster", 63],
      ["backupVault", 50],
      ["eventArchive", 48],
      ["eventRule", 64],
    ];
    for (const [kind, max] of limits) {
      it(`${kind}: at most ${max} characters`, () => {
        assert.equal(NAME_RULES[kind].max, max);
        const name = namer.regional(kind, LONG_BASE, "eu-central-1");
        assert.equal(name.length, max);
        assert.ok(name.startsWith(`${NAME_RULES[kind].fixedPrefix ?? ""}acmepay-prod-xxx`), name);
        assert.ok(name.endsWith("-euc1"), name);
        assert.equal(nameViolation(kind, name), undefined);
        assert.equal(
          nameViolation(kind, `${name}z`),
          `${kind} name "${name}z" is ${max + 1} characters; allowed ${NAME_RULES[kind].min}–${max}`,
        );
      });
    }
  });

  it("keeps S3 names lowercase and at least 3 characters", () => {
    assert.equal(
      nameViolation("s3Bucket", "Receipts-Bucket"),
      's3Bucket name "Receipts-Bucket" has characters s3Bucket does not allow; allowed: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
    );
    assert.equal(
      nameViolation("s3Bucket", "ab"),
      's3Bucket name "ab" is 2 characters; allowed 3–63',
    );
    assert.match(namer.regional("s3Bucket", "receipts", "us-east-1"), /^[a-z0-9-]{3,63}$/);
  });

  it("is deterministic, and shortened names of different bases differ", () => {
    const a = namer.regional("iamRole", `${LONG_BASE}-a`, "us-east-1");
    assert.equal(namer.regional("iamRole", `${LONG_BASE}-a`, "us-east-1"), a);
    assert.notEqual(namer.regional("iamRole", `${LONG_BASE}-b`, "us-east-1"), a);
  });

  it("refuses a base that is not lowercase words joined by hyphens", () => {
    assert.throws(
      () => namer.global("sqsQueue", "Payments_Queue"),
      /name base "Payments_Queue" must be lowercase words joined by single hyphens/,
    );
  });

  it("gives every supported region a unique short code", () => {
    const codes = AWS_REGIONS.map(regionCode);
    assert.equal(new Set(codes).size, AWS_REGIONS.length);
    assert.deepEqual(
      ["us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1", "sa-east-1"].map((r) =>
        regionCode(r as (typeof AWS_REGIONS)[number]),
      ),
      ["use1", "usw2", "euc1", "apne1", "sae1"],
    );
  });
});
