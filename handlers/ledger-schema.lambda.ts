/**
 * Deploy-time migration of the ledger (run by aws.lambda.Invocation): applies the schema through
 * the RDS Data API with the master secret, then provisions the writer credentials the handlers use
 * (./ledger-credentials.ts): the secret's first value if it has none, and the password of the role
 * it names. The thin AWS shell around ./ledger-schema.
 *
 * Environment: CLUSTER_ARN, SECRET_ARN (the master secret), WRITER_SECRET_ARN, DATABASE and the
 * runtime's AWS_REGION.
 */
import { provisionWriterCredentials } from "./ledger-credentials";
import { credentialPorts } from "./ledger-credentials.lambda";
import { applySchema, type MigrationResult } from "./ledger-schema";
import { requiredEnv } from "./runtime";

export async function migrateLedger(): Promise<
  MigrationResult & { readonly writer: string; readonly writerCreated: boolean }
> {
  const database = requiredEnv("DATABASE");
  const ports = credentialPorts(
    [
      {
        region: requiredEnv("AWS_REGION"),
        clusterArn: requiredEnv("CLUSTER_ARN"),
        masterSecretArn: requiredEnv("SECRET_ARN"),
      },
    ],
    database,
  );
  const migrated = await applySchema(async (sql) => {
    await ports.executeAsMaster(sql);
  });
  const writer = await provisionWriterCredentials(
    requiredEnv("WRITER_SECRET_ARN"),
    database,
    ports,
  );
  return { ...migrated, writer: writer.username, writerCreated: writer.created };
}
