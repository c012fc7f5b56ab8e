/**
 * The game day's two-region payments table against what the DynamoDB Developer Guide says of
 * global tables in eventual consistency (MREC): writes replicate asynchronously, concurrent writes
 * to an item are reconciled last writer wins, and a cut-off region's writes wait for it
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html).
 */
import { strict as assert } from "node:assert";
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GlobalTable } from "../../tools/gameday/global-table";

const TABLE = "acmepay-dev-payments";
const [EAST, WEST] = ["us-east-1", "us-west-2"] as const;

describe("game day global table (two dynalites and a replicator)", function () {
  this.timeout(60_000);
  let clock = 0;
  let table: GlobalTable;

  before(async () => {
    table = await GlobalTable.start({
      regions: [EAST, WEST],
      tableName: TABLE,
      keyAttribute: "paymentId",
      now: () => clock,
    });
  });
  after(async () => {
    await table?.close();
  });

  const put = (region: string, id: string, status: string) =>
    table.regions[region].client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          paymentId: { S: id },
          status: { S: status },
          merchantId: { S: "m" },
          createdAt: { S: "t" },
        },
      }),
    );
  const statusIn = async (region: string, id: string) =>
    (
      await table.regions[region].client.send(
        new GetItemCommand({
          TableName: TABLE,
          Key: { paymentId: { S: id } },
          ConsistentRead: true,
        }),
      )
    ).Item?.status?.S;

  it("replicates a write to the other region after the lag, not before", async () => {
    clock = 1_000;
    await put(EAST, "pay_1", "RECEIVED");
    await table.deliver(1_400);
    assert.equal(await statusIn(WEST, "pay_1"), undefined);
    await table.deliver(1_500);
    assert.equal(await statusIn(WEST, "pay_1"), "RECEIVED");
  });

  it("replicates the whole item after an update", async () => {
    clock = 2_000;
    await table.regions[EAST].client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { paymentId: { S: "pay_1" } },
        UpdateExpression: "SET #s = :c",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":c": { S: "COMPLETED" } },
      }),
    );
    await table.deliver(3_000);
    assert.equal(await statusIn(WEST, "pay_1"), "COMPLETED");
  });

  it("reconciles concurrent writes to one item last writer wins, in both regions", async () => {
    clock = 10_000;
    await put(EAST, "pay_2", "FROM-EAST");
    clock = 10_100;
    await put(WEST, "pay_2", "FROM-WEST");
    await table.deliver(20_000);
    assert.deepEqual(
      [await statusIn(EAST, "pay_2"), await statusIn(WEST, "pay_2")],
      ["FROM-WEST", "FROM-WEST"],
    );
  });

  it("keeps a cut-off region's writes until it is reachable again", async () => {
    clock = 30_000;
    table.setReachable(EAST, false);
    await put(EAST, "pay_3", "RECEIVED");
    await table.deliver(60_000);
    assert.equal(await statusIn(WEST, "pay_3"), undefined);
    assert.equal(table.backlog, 1);
    table.setReachable(EAST, true);
    await table.deliver(60_000);
    assert.equal(await statusIn(WEST, "pay_3"), "RECEIVED");
    assert.equal(table.backlog, 0);
  });

  it("replicates a deletion", async () => {
    clock = 70_000;
    await table.regions[EAST].client.send(
      new DeleteItemCommand({ TableName: TABLE, Key: { paymentId: { S: "pay_3" } } }),
    );
    await table.deliver(71_000);
    assert.equal(await statusIn(WEST, "pay_3"), undefined);
  });
});
