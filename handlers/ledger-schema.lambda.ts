/**
 * Deploy-time migration of the ledger (run by aws.lambda.Invocation): applies the schema through
 * the RDS Data API with the credentials secret. The thin AWS shell around ./ledger-schema.
 */
import { applySchema, type MigrationResult } from "./ledger-schema";

type RdsData = typeof import("@aws-sdk/client-rds-data");

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}

export async function migrateLedger(): Promise<MigrationResult> {
  // Required here, not imported: the Lambda runtime provides the SDK, and a client must not be
  // captured by the serialized function.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RDSDataClient, ExecuteStatementCommand } = require("@aws-sdk/client-rds-data") as RdsData;
  const client = new RDSDataClient({});
  const target = {
    resourceArn: required("CLUSTER_ARN"),
    secretArn: required("SECRET_ARN"),
    database: required("DATABASE"),
  };
  return applySchema(async (sql) => {
    await client.send(new ExecuteStatementCommand({ ...target, sql }));
  });
}
