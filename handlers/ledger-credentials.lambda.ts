/**
 * The rotation function of the ledger's writer credentials (thin AWS shell around
 * ./ledger-credentials): Secrets Manager for the secret's versions, the RDS Data API with the
 * rotator's secret for the roles. The ledger's writer may be in either region (a failover moves it),
 * so a statement as the rotator goes to each region's cluster in turn, this region's first,
 * until one runs it: a cluster without the writer refuses writes (Aurora User Guide, Data API
 * limitations: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html).
 *
 * Environment: LEDGER_TARGETS (JSON: [{ region, clusterArn, secretArn }], the rotator's secret in
 * each region, this region's first), LEDGER_DATABASE.
 */
import {
  type LedgerTarget,
  type RotationEvent,
  type RotationPorts,
  rotationStep,
  type StepOutcome,
} from "./ledger-credentials";
import { requiredEnv } from "./runtime";

type RdsData = typeof import("@aws-sdk/client-rds-data");
type SecretsManager = typeof import("@aws-sdk/client-secrets-manager");
type Field = import("@aws-sdk/client-rds-data").Field;

/** A Data API field as text (booleans as `true`/`false`). */
function fieldText(field: Field): string {
  if (field.isNull === true) {
    return "";
  }
  return String(
    field.booleanValue ?? field.stringValue ?? field.longValue ?? field.doubleValue ?? "",
  );
}

/** Secrets Manager and the ledgers' Data API, as the rotation and the migration use them. */
export function credentialPorts(
  targets: readonly LedgerTarget[],
  database: string,
): RotationPorts & { putFirst(secretId: string, value: string): Promise<void> } {
  // Required here, not imported: the Lambda runtime provides the SDK, and a client must not be
  // captured by the serialized function.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const secrets = require("@aws-sdk/client-secrets-manager") as SecretsManager;
  const rdsData = require("@aws-sdk/client-rds-data") as RdsData;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const client = new secrets.SecretsManagerClient({});
  const ledgers = targets.map((target) => ({
    target,
    client: new rdsData.RDSDataClient({ region: target.region }),
  }));
  return {
    async describe(secretId) {
      const described = await client.send(
        new secrets.DescribeSecretCommand({ SecretId: secretId }),
      );
      return {
        rotationEnabled: described.RotationEnabled === true,
        versions: described.VersionIdsToStages ?? {},
      };
    },
    async value(secretId, stage, versionId) {
      try {
        const result = await client.send(
          new secrets.GetSecretValueCommand({
            SecretId: secretId,
            VersionStage: stage,
            ...(versionId === undefined ? {} : { VersionId: versionId }),
          }),
        );
        return result.SecretString;
      } catch (error) {
        // No version with that label (or id): GetSecretValue's ResourceNotFoundException
        // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
        if (error instanceof secrets.ResourceNotFoundException) {
          return undefined;
        }
        throw error;
      }
    },
    async putPending(secretId, token, value) {
      await client.send(
        new secrets.PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          SecretString: value,
          VersionStages: ["AWSPENDING"],
        }),
      );
    },
    async putFirst(secretId, value) {
      // A secret's first version gets AWSCURRENT without being asked
      // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html).
      await client.send(
        new secrets.PutSecretValueCommand({ SecretId: secretId, SecretString: value }),
      );
    },
    async randomPassword() {
      const result = await client.send(
        new secrets.GetRandomPasswordCommand({
          PasswordLength: 40,
          ExcludePunctuation: true,
          RequireEachIncludedType: true,
        }),
      );
      return String(result.RandomPassword);
    },
    async administer(sql) {
      const failures: { region: string; name: string; message: string }[] = [];
      for (const { target, client: ledger } of ledgers) {
        try {
          const result = await ledger.send(
            new rdsData.ExecuteStatementCommand({
              resourceArn: target.clusterArn,
              secretArn: target.secretArn,
              database,
              sql,
            }),
          );
          return (result.records ?? []).map((row) => row.map(fieldText));
        } catch (error) {
          const { name, message } = error as Error;
          failures.push({ region: target.region, name, message });
        }
      }
      const failed = new Error(
        `no ledger ran the statement: ${failures.map((f) => `${f.region}: ${f.name}: ${f.message}`).join("; ")}`,
      );
      // One kind of failure everywhere keeps its name, which says whether waiting can help.
      const names = new Set(failures.map((f) => f.name));
      if (names.size === 1) {
        failed.name = [...names][0];
      }
      throw failed;
    },
    async promote(secretId, token, currentVersionId) {
      await client.send(
        new secrets.UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: "AWSCURRENT",
          MoveToVersionId: token,
          RemoveFromVersionId: currentVersionId,
        }),
      );
    },
  };
}

/** Set up on the first call of an execution environment, then reused. */
const environment: { current?: RotationPorts } = {};

export async function rotateLedgerCredentials(event: RotationEvent): Promise<StepOutcome> {
  environment.current ??= credentialPorts(
    JSON.parse(requiredEnv("LEDGER_TARGETS")) as LedgerTarget[],
    requiredEnv("LEDGER_DATABASE"),
  );
  const outcome = await rotationStep(event, environment.current);
  console.log(
    JSON.stringify({ secret: event.SecretId, token: event.ClientRequestToken, ...outcome }),
  );
  return outcome;
}
