import { strict as assert } from "node:assert";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { stackPlan } from "../fixtures/plan";
import { keyHash, keyToItem, newApiKey } from "../../handlers/merchant-keys";
import {
  type AwsStub,
  createMerchantsTable,
  type LocalDynamoDb,
  secretValue,
  startAwsStub,
  startDynamoDb,
} from "../../tools/harness/emulators";
import {
  type HandlerRun,
  runSerializedEvents,
  runSerializedWithLogs,
  serializedCode,
} from "../../tools/harness/serialized";

const PEPPER = "cGVwcGVyLWZvci10aGUtc2VyaWFsaXplZC10ZXN0cw==";
const METHOD_ARN = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/v1/POST/payments";

/** What API Gateway sends a REQUEST authorizer of a REST API (the fields the function reads). */
function request(authorization?: string) {
  return {
    type: "REQUEST",
    methodArn: METHOD_ARN,
    resource: "/payments",
    path: "/payments",
    httpMethod: "POST",
    headers: {
      "content-type": "application/json",
      ...(authorization === undefined ? {} : { authorization }),
    },
    requestContext: { stage: "v1", apiId: "a1b2c3d4e5" },
  };
}

/** The merchant authorizer as deployed (its serialized form) on dynalite and a Secrets Manager stub. */
describe("merchant authorizer (serialized) against dynalite", function () {
  let db: LocalDynamoDb;
  let aws: AwsStub;
  let code: string;
  let environment: Record<string, string>;
  let table: string;
  const keys = {
    seven: newApiKey("dev"),
    eight: newApiKey("dev"),
    revoked: newApiKey("dev"),
  };

  async function store(
    merchantId: string,
    issued: { key: string; keyId: string },
    revoked = false,
  ) {
    await db.client.send(
      new PutItemCommand({
        TableName: table,
        Item: keyToItem({
          keyId: issued.keyId,
          merchantId,
          keyHash: keyHash(PEPPER, issued.key),
          status: revoked ? "revoked" : "active",
          createdAt: "2026-11-30T10:00:00.000Z",
          ...(revoked ? { revokedAt: "2026-11-30T11:00:00.000Z" } : {}),
        }),
      }),
    );
  }

  before(async () => {
    const evaluation = await stackPlan("dev");
    code = serializedCode(evaluation, "primary-compute-merchant-authorizer");
    const fn = evaluation.resources.find(
      (r) =>
        r.type === "aws:lambda/function:Function" &&
        r.name === "primary-compute-merchant-authorizer",
    );
    const variables = (fn?.outputs.environment as { variables: Record<string, string> }).variables;
    table = variables.MERCHANTS_TABLE;
    db = await startDynamoDb();
    await createMerchantsTable(db, table);
    aws = await startAwsStub({ "secretsmanager.GetSecretValue": secretValue(PEPPER) });
    environment = {
      ...variables,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
    };
    await store("merchant-7", keys.seven);
    await store("merchant-8", keys.eight);
    await store("merchant-7", keys.revoked, true);
  });

  after(async () => {
    await db.close();
    await aws.close();
  });

  beforeEach(() => {
    db.operations.length = 0;
    aws.calls.length = 0;
  });

  it("runs with the environment the plan deploys: this region's table and pepper replica", () => {
    assert.equal(table, "acmepay-dev-merchants");
    assert.match(
      environment.PEPPER_SECRET_ARN,
      /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:acmepay-dev-merchant-key-pepper-/,
    );
    assert.equal(environment.KEY_ENVIRONMENT, "dev");
  });

  it("answers each request: the merchant for a valid key, Unauthorized for every other", async () => {
    const seven = keys.seven.key;
    const eightsSecret = keys.eight.key.split("_").slice(3).join("_");
    const cases: [string, string | undefined][] = [
      ["valid", `Bearer ${seven}`],
      ["another merchant's valid key", `Bearer ${keys.eight.key}`],
      ["missing", undefined],
      ["malformed", `Bearer ${seven.slice(0, 20)}`],
      ["wrong secret", `Bearer sk_dev_${keys.seven.keyId}_${"A".repeat(43)}`],
      [
        "merchant 7's id with merchant 8's secret",
        `Bearer sk_dev_${keys.seven.keyId}_${eightsSecret}`,
      ],
      ["revoked", `Bearer ${keys.revoked.key}`],
      ["another environment", `Bearer ${seven.replace("sk_dev_", "sk_prod_")}`],
    ];
    const runs: HandlerRun[] = await runSerializedEvents(
      code,
      cases.map(([, header]) => request(header)),
      environment,
    );
    const outcome = (run: HandlerRun) =>
      run.ok ? (run.result as { context: { merchantId: string } }).context.merchantId : run.error;
    assert.deepEqual(
      cases.map(([what], i) => [what, outcome(runs[i])]),
      [
        ["valid", "merchant-7"],
        ["another merchant's valid key", "merchant-8"],
        ["missing", "Unauthorized"],
        ["malformed", "Unauthorized"],
        ["wrong secret", "Unauthorized"],
        ["merchant 7's id with merchant 8's secret", "Unauthorized"],
        ["revoked", "Unauthorized"],
        ["another environment", "Unauthorized"],
      ],
    );
    // The pepper is read once per execution environment; keys that parse are looked up every
    // time (five here), so a revocation reaches the function at once: only API Gateway's cache
    // (authorizerResultTtlInSeconds) holds an answer longer.
    assert.equal(aws.calls.filter((c) => c.target === "secretsmanager.GetSecretValue").length, 1);
    assert.deepEqual(
      db.operations,
      Array.from({ length: 5 }, () => "GetItem"),
    );
  });

  it("logs why a request was refused, with the key id and never the key", async () => {
    const wrong = `sk_dev_${keys.seven.keyId}_${"B".repeat(43)}`;
    const { run, stdout } = await runSerializedWithLogs(
      code,
      request(`Bearer ${wrong}`),
      environment,
    );
    assert.equal(run.error, "Unauthorized");
    const text = stdout.join("\n");
    assert.match(text, new RegExp(`"rejected":"wrong-secret","keyId":"${keys.seven.keyId}"`));
    assert.ok(!text.includes("B".repeat(43)));
  });

  it("fails closed when the pepper cannot be read: an error, never an allow", async () => {
    const broken = await startAwsStub({});
    try {
      const [run] = await runSerializedEvents(code, [request(`Bearer ${keys.seven.key}`)], {
        ...environment,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: broken.endpoint,
        AWS_MAX_ATTEMPTS: "1",
      });
      assert.equal(run.ok, false);
      assert.notEqual(run.error, "Unauthorized");
    } finally {
      await broken.close();
    }
  });
});
