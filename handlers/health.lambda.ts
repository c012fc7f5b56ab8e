/**
 * The health Lambda (thin AWS shell around ./health): probes the region's payments table with one
 * GetItem and reads the active-region flag (runtime.ts, cached briefly), each within the check's
 * time limit. Clients are created on the first probe and kept for the life of the execution
 * environment.
 *
 * For `?role=active` it also asks this region's ledger a Data API `SELECT 1` (an answer is trusted
 * for a few seconds): it fails where the global database has no writer.
 *
 * Environment: PAYMENTS_TABLE, ACTIVE_REGION_PARAMETER, LEDGER_CLUSTER_ARN, LEDGER_SECRET_ARN,
 * LEDGER_DATABASE, AWS_REGION.
 */
import { type HealthChecks, type HealthRequest, healthResponse, timedCheck } from "./health";
import type { ApiResponse } from "./payments-api";
import {
  ACTIVE_REGION_CACHE_MS,
  activeRegionFlag,
  ledgerFromEnv,
  ledgerWrites,
  requiredEnv,
} from "./runtime";

type DynamoDb = typeof import("@aws-sdk/client-dynamodb");
type RdsData = typeof import("@aws-sdk/client-rds-data");

/** Set up on the first probe of an execution environment, then reused. */
const environment: { probe?: (requireActive: boolean) => Promise<HealthChecks> } = {};

function connect(): (requireActive: boolean) => Promise<HealthChecks> {
  const table = requiredEnv("PAYMENTS_TABLE");
  const parameter = requiredEnv("ACTIVE_REGION_PARAMETER");
  const region = requiredEnv("AWS_REGION");
  /* eslint-disable @typescript-eslint/no-require-imports */
  const dynamodb = require("@aws-sdk/client-dynamodb") as DynamoDb;
  const rdsData = require("@aws-sdk/client-rds-data") as RdsData;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const db = new dynamodb.DynamoDBClient({ maxAttempts: 1 });
  const writes = ledgerWrites(rdsData, ledgerFromEnv(), {
    ttlMs: ACTIVE_REGION_CACHE_MS,
    maxAttempts: 1,
  });
  const flag = activeRegionFlag(parameter, 1);
  const activeRegion = async () => {
    const value = await flag();
    if (value === "") {
      throw new Error(`parameter ${parameter} has no value`);
    }
    return value;
  };
  return async (requireActive) => {
    const [tableCheck, activeCheck, ledgerCheck] = await Promise.all([
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
      requireActive
        ? timedCheck(async () => {
            await writes();
            return undefined;
          })
        : Promise.resolve(undefined),
    ]);
    return {
      region,
      table: tableCheck,
      activeRegion: activeCheck,
      ...(ledgerCheck === undefined ? {} : { ledger: ledgerCheck }),
    };
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
  return healthResponse(await environment.probe(requireActive), requireActive);
}
