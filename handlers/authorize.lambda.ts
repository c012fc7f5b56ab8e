/**
 * The authorize step's Lambda (thin AWS shell around ./authorize): first the active-region flag
 * (cached briefly, runtime.ts): outside the active region it decides nothing. Then it reads the
 * merchant's payments of the velocity window from the payments table's byMerchant index, and
 * decides. The rules come from the AUTHORIZATION_RULES environment variable (JSON), the table from
 * PAYMENTS_TABLE, the flag's name from ACTIVE_REGION_PARAMETER.
 */
import {
  type Admission,
  authorize,
  type AuthorizationRules,
  NOT_ACTIVE_HERE,
  type RecentPayment,
} from "./authorize";
import { MERCHANT_INDEX, validatePayment } from "./payment";
import { activeRegionFlag, requiredEnv } from "./runtime";

type DynamoDb = typeof import("@aws-sdk/client-dynamodb");

interface Environment {
  readonly rules: AuthorizationRules;
  readonly table: string;
  readonly region: string;
  readonly activeRegion: () => Promise<string>;
  readonly dynamodb: DynamoDb;
  readonly client: InstanceType<DynamoDb["DynamoDBClient"]>;
}

/** Set up on the first call of an execution environment, then reused (client, flag cache). */
const environment: { current?: Environment } = {};

function connect(): Environment {
  // Required here, not imported: the Lambda runtime provides the SDK, and a client must not be
  // captured by the serialized function.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynamodb = require("@aws-sdk/client-dynamodb") as DynamoDb;
  return {
    rules: JSON.parse(requiredEnv("AUTHORIZATION_RULES")) as AuthorizationRules,
    table: requiredEnv("PAYMENTS_TABLE"),
    region: requiredEnv("AWS_REGION"),
    activeRegion: activeRegionFlag(requiredEnv("ACTIVE_REGION_PARAMETER")),
    dynamodb,
    client: new dynamodb.DynamoDBClient({}),
  };
}

export async function authorizeHandler(event: { readonly payment?: unknown }): Promise<Admission> {
  environment.current ??= connect();
  const { rules, table, region, dynamodb, client } = environment.current;
  if ((await environment.current.activeRegion()) !== region) {
    return NOT_ACTIVE_HERE;
  }
  const validated = validatePayment(event.payment);
  if ("problems" in validated) {
    return { activeHere: true, ...authorize(event.payment, rules, []) };
  }
  const { payment } = validated;
  const end = Date.parse(payment.createdAt);
  const start = new Date(end - rules.velocity.windowSeconds * 1000).toISOString();
  const recent: RecentPayment[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new dynamodb.QueryCommand({
        TableName: table,
        IndexName: MERCHANT_INDEX,
        KeyConditionExpression: "merchantId = :merchant AND createdAt BETWEEN :start AND :end",
        // The payment itself is in the table already; failed payments took no money.
        FilterExpression:
          "paymentId <> :self AND (attribute_not_exists(#status) OR #status <> :failed)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":merchant": { S: payment.merchantId },
          ":start": { S: start },
          ":end": { S: payment.createdAt },
          ":self": { S: payment.paymentId },
          ":failed": { S: "FAILED" },
        },
        ProjectionExpression: "amountMinor, currency, createdAt",
        ExclusiveStartKey: startKey as never,
      }),
    );
    for (const item of page.Items ?? []) {
      recent.push({
        amountMinor: Number(item.amountMinor?.N),
        currency: String(item.currency?.S),
        createdAt: String(item.createdAt?.S),
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return { activeHere: true, ...authorize(payment, rules, recent) };
}
