/**
 * Deploy-time migration of the ledger (run by aws.lambda.Invocation): applies the schema through
 * the RDS Data API with the credentials secret. The thin AWS shell around ./ledger-schema.
 */
import { applySchema, type MigrationResult } from "./ledger-schema";
import { requiredEnv } from "./runtime";

type RdsData = typeof import("@aws-sdk/client-rds-data");

export async function migrateLedger(): Promise<MigrationResult> {
  // Required here, not imported: the Lambda runtime provides the SDK, and a client must not be
  // captured by the serialized function.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RDSDataClient, ExecuteStatementCommand } = require("@aws-sdk/client-rds-data") as RdsData;
  const client = new RDSDataClient({});
  const target = {
    resourceArn: requiredEnv("CLUSTER_ARN"),
    secretArn: requiredEnv("SECRET_ARN"),
    database: requiredEnv("DATABASE"),
  };
  return applySchema(async (sql) => {
    await client.send(new ExecuteStatementCommand({ ...target, sql }));
  });
}
