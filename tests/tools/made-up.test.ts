import { strict as assert } from "node:assert";
import type { RecordedResource } from "../../tools/engine/engine";
import { asPrinted, madeUpPaths, madeUpValues, withUnknowns } from "../../tools/engine/made-up";

/** A recorded custom resource with just what made-up.ts reads. */
function resource(
  id: string,
  rawInputs: Record<string, unknown>,
  outputs: Record<string, unknown>,
): RecordedResource {
  return { custom: true, remote: false, id, rawInputs, outputs } as unknown as RecordedResource;
}

describe("values only AWS can give (made-up.ts)", () => {
  const account = "418295077265";
  const resources = [
    // DynamoDB's table id is its name, an input: known before it exists.
    resource(
      "acmepay-dev-payments",
      { name: "acmepay-dev-payments" },
      {
        name: "acmepay-dev-payments",
        arn: `arn:aws:dynamodb:us-east-1:${account}:table/acmepay-dev-payments`,
        streamArn: `arn:aws:dynamodb:us-east-1:${account}:table/acmepay-dev-payments/stream/2026-11-30T00:00:00.000`,
      },
    ),
    // Secrets Manager adds six random characters to a secret's name in its ARN.
    resource(
      `arn:aws:secretsmanager:us-east-1:${account}:secret:acmepay-dev-pepper-AbC123`,
      { name: "acmepay-dev-pepper", region: "us-east-1" },
      {
        name: "acmepay-dev-pepper",
        region: "us-east-1",
        arn: `arn:aws:secretsmanager:us-east-1:${account}:secret:acmepay-dev-pepper-AbC123`,
      },
    ),
  ];
  const madeUp = madeUpValues(resources, [account, "us-east-1"], (v) => v);

  it("keeps what the inputs decide, the account and the region known", () => {
    assert.ok(!madeUp.has("acmepay-dev-payments"));
    assert.ok(!madeUp.has("us-east-1"));
    assert.ok(!madeUp.has(account));
    assert.ok(madeUp.has(`arn:aws:dynamodb:us-east-1:${account}:table/acmepay-dev-payments`));
  });

  it("treats the part AWS adds to an ARN as made up, so a replica's ARN built from it is too", () => {
    assert.ok(madeUp.has("acmepay-dev-pepper-AbC123"));
    const outputs = {
      table: "acmepay-dev-payments",
      peppers: {
        primary: `arn:aws:secretsmanager:us-east-1:${account}:secret:acmepay-dev-pepper-AbC123`,
        secondary: `arn:aws:secretsmanager:us-west-2:${account}:secret:acmepay-dev-pepper-AbC123`,
      },
      urls: ["https://api.dev.acmepay.io"],
    };
    assert.deepEqual(madeUpPaths(outputs, madeUp), ["peppers.primary", "peppers.secondary"]);
    assert.equal(
      asPrinted(withUnknowns(outputs, madeUp)),
      '{"table":"acmepay-dev-payments","peppers":(known after deploy),"urls":["https://api.dev.acmepay.io"]}',
    );
  });

  it("ignores a local component's outputs, which are its children's", () => {
    const component = {
      ...resource("", {}, { name: "not-an-input-anywhere" }),
      custom: false,
    } as RecordedResource;
    assert.equal(madeUpValues([component], [], (v) => v).size, 0);
  });
});
