/**
 * Deploy-time migration of the ledger (run by aws.lambda.Invocation): applies the schema through
 * the RDS Data API with the master secret (the only user of it) on the cluster that is the global
 * writer now, then provisions the rotator's and the writer's credentials (./ledger-credentials.ts):
 * each secret's first value if it has none, and the password of the role it names. While the
 * ledger cannot take statements yet (a cluster just created, an instance starting, a switchover
 * running) it waits and tries again, within the function's time. The thin AWS shell around
 * ./ledger-schema.
 *
 * Environment: LEDGER_TARGETS (JSON: [{ region, clusterArn, secretArn }], each region's cluster and
 * the master secret there), GLOBAL_CLUSTER_ID, ROTATOR_SECRET_ARN, WRITER_SECRET_ARN, DATABASE.
 */
import { LEDGER_ROTATOR, LEDGER_WRITER_USERS, type LedgerTarget } from "./ledger-credentials";
import { provisionCredentials } from "./ledger-credentials";
import { credentialPorts } from "./ledger-credentials.lambda";
import { applySchema, type MigrationResult, untilReady, writerTarget } from "./ledger-schema";
import { requiredEnv } from "./runtime";

type Rds = typeof import("@aws-sdk/client-rds");

/** What Lambda's Node.js runtime hands the handler besides the event (the part used here). */
interface LambdaContext {
  /** Lambda Developer Guide, "Using the Lambda context object to retrieve Node.js function
   * information": https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html */
  getRemainingTimeInMillis(): number;
}

export async function migrateLedger(
  _event: unknown,
  context: LambdaContext,
): Promise<
  MigrationResult & {
    readonly region: string;
    readonly attempts: number;
    readonly writer: string;
    readonly writerCreated: boolean;
  }
> {
  const database = requiredEnv("DATABASE");
  const targets = JSON.parse(requiredEnv("LEDGER_TARGETS")) as LedgerTarget[];
  const globalClusterId = requiredEnv("GLOBAL_CLUSTER_ID");
  const rotatorSecret = requiredEnv("ROTATOR_SECRET_ARN");
  const writerSecret = requiredEnv("WRITER_SECRET_ARN");
  // Required here, not imported: the runtime provides the SDK, and a client must not be captured.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rds = require("@aws-sdk/client-rds") as Rds;
  const client = new rds.RDSClient({});
  const { result, attempts } = await untilReady(
    async () => {
      // A global cluster's members and which is the writer (RDS API reference,
      // DescribeGlobalClusters: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeGlobalClusters.html).
      const described = await client.send(
        new rds.DescribeGlobalClustersCommand({ GlobalClusterIdentifier: globalClusterId }),
      );
      const target = writerTarget(described.GlobalClusters?.[0], targets);
      const ports = credentialPorts([target], database);
      const migrated = await applySchema(async (sql) => {
        await ports.administer(sql);
      });
      await provisionCredentials(rotatorSecret, LEDGER_ROTATOR, database, ports);
      const writer = await provisionCredentials(
        writerSecret,
        LEDGER_WRITER_USERS[0],
        database,
        ports,
      );
      return {
        ...migrated,
        region: target.region,
        writer: writer.username,
        writerCreated: writer.created,
      };
    },
    {
      remainingMs: () => context.getRemainingTimeInMillis(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: () => Math.random(),
    },
  );
  return { ...result, attempts };
}
