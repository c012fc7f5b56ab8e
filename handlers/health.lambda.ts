/**
 * The health Lambda (thin AWS shell around ./health): probes the region's payments table with one
 * GetItem and reads the active-region flag (runtime.ts, cached briefly), each within the check's
 * time limit. Clients are created on the first probe and kept for the life of the execution
 * environment.
 *
 * Environment: PAYMENTS_TABLE, ACTIVE_REGION_PARAMETER, AWS_REGION.
 */
import { type HealthChecks, type HealthRequest, healthResponse, timedCheck } from "./health";
import type { ApiResponse } from "./payments-api";
import { activeRegionFlag, requiredEnv } from "./runtime";

type DynamoDb = typeof import("@aws-sdk/client-dynamodb");

/** Set up on the first probe of an execution environment, then reused. */
const environment: { probe?: () => Promise<HealthChecks> } = {};

function connect(): () => Promise<HealthChecks> {
  const table = requiredEnv("PAYMENTS_TABLE");
  const parameter = requiredEnv("ACTIVE_REGION_PARAMETER");
  const region = requiredEnv("AWS_REGION");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynamodb = require("@aws-sdk/client-dynamodb") as DynamoDb;
  const db = new dynamodb.DynamoDBClient({ maxAttempts: 1 });
  const flag = activeRegionFlag(parameter, 1);
  const activeRegion = async () => {
    const value = await flag();
    if (value === "") {
      throw new Error(`parameter ${parameter} has no value`);
    }
    return value;
  };
  return async () => {
    const [tableCheck, activeCheck] = await Promise.all([
      timedCheck(async (abortSignal) => {
        // A key no payment has: reading it proves the table answers, at the cost of one read.
        await db.send(
          new dynamodb.GetItemCommand({
            TableName: table,
            Key: { paymentId: { S: "health-check" } },
          }),
          { abortSignal },
        );
        return undefined;
      }),
      timedCheck(() => activeRegion()),
    ]);
    return { region, table: tableCheck, activeRegion: activeCheck };
  };
}

export async function healthHandler(event: HealthRequest = {}): Promise<ApiResponse> {
  const requireActive = event.queryStringParameters?.role === "active";
  try {
    environment.probe ??= connect();
  } catch (error) {
    console.error("health check cannot start", error);
    const failed = { ok: false as const, latencyMs: 0, error: "Misconfigured" };
    return healthResponse({
      region: process.env.AWS_REGION ?? "unknown",
      table: failed,
      activeRegion: failed,
    });
  }
  return healthResponse(await environment.probe(), requireActive);
}
