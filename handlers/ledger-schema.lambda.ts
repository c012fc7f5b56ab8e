/**
 * Deploy-time migration of the ledger (run by aws.lambda.Invocation): applies the schema through
 * the RDS Data API with the master secret (the only user of it), then provisions the rotator's
 * and the writer's credentials (./ledger-credentials.ts): each secret's first value if it has none,
 * and the password of the role it names. The thin AWS shell around ./ledger-schema.
 *
 * Environment: CLUSTER_ARN, SECRET_ARN (the master secret), ROTATOR_SECRET_ARN,
 * WRITER_SECRET_ARN, DATABASE and the runtime's AWS_REGION.
 */
import { LEDGER_ROTATOR, LEDGER_WRITER_USERS, provisionCredentials } from "./ledger-credentials";
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
        secretArn: requiredEnv("SECRET_ARN"),
      },
    ],
    database,
  );
  const migrated = await applySchema(async (sql) => {
    await ports.administer(sql);
  });
  await provisionCredentials(requiredEnv("ROTATOR_SECRET_ARN"), LEDGER_ROTATOR, database, ports);
  const writer = await provisionCredentials(
    requiredEnv("WRITER_SECRET_ARN"),
    LEDGER_WRITER_USERS[0],
    database,
    ports,
  );
  return { ...migrated, writer: writer.username, writerCreated: writer.created };
}
