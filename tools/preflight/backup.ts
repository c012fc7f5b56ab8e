/** Check 5: AWS Backup's region settings allow the backups the stack plans. */
import { DescribeRegionSettingsCommand } from "@aws-sdk/client-backup";
import type { PreflightAws } from "./aws";
import type { RegionRequirements } from "./requirements";
import { call, type CheckResult, fail, guarded, list, pass } from "./result";

/**
 * AWS Backup's settings of the region (AWS Backup API Reference, DescribeRegionSettings:
 * ResourceTypeManagementPreference, ResourceTypeOptInPreference:
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRegionSettings.html), both
 * account-wide for the region.
 * - Cross-Region copies of DynamoDB backups are a feature of advanced DynamoDB backup
 *   (ResourceTypeManagementPreference.DynamoDB), on by default only in accounts that had no backup
 *   vault before November 2021 (AWS Backup Developer Guide, "Advanced DynamoDB backup":
 *   https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html).
 * - The opt-in of each resource type the selections name. The guides differ on whether a selection
 *   by ARN needs it: "Service opt-in" has plans back up opted-in types only
 *   (https://docs.aws.amazon.com/aws-backup/latest/devguide/service-opt-in.html); "Assign resources
 *   with AWS CLI" backs up a resource selected by type whatever the opt-in, except Aurora, whose
 *   cluster ARNs RDS shares (https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources-json.html).
 *   Opting in is harmless, so every type is asked for.
 * When the stack manages the settings (aws.backup.RegionSettings in the plan), `pulumi up` sets
 * them and an "off" today is only noted.
 */
export async function checkBackupSettings(
  region: RegionRequirements,
  aws: PreflightAws,
): Promise<CheckResult[]> {
  const { copiesDynamoDb, resourceTypes, managed } = region.backup;
  if (!copiesDynamoDb && resourceTypes.length === 0) {
    return [];
  }
  const subject = `${region.region} AWS Backup`;
  return guarded(subject, async () => {
    const settings = await call(
      "backup:DescribeRegionSettings",
      aws.backup(region.region).send(new DescribeRegionSettingsCommand({})),
    );
    const settingsPage = `the AWS Backup console's Settings in ${region.region} (account-wide for the region)`;
    const atUp = "the stack's aws.backup.RegionSettings turns it on at pulumi up";
    const results: CheckResult[] = [];
    if (copiesDynamoDb) {
      const what = `${region.region} advanced DynamoDB backup (cross-Region copies of the tables' backups need it)`;
      if (settings.ResourceTypeManagementPreference?.DynamoDB === true) {
        results.push(pass(`${what}: on`));
      } else if (managed?.management.DynamoDB === true) {
        results.push(pass(`${what}: off; ${atUp}`));
      } else {
        results.push(
          fail(
            `${what}: off`,
            `turn on advanced features for DynamoDB backups in ${settingsPage}, or: aws backup update-region-settings --region ${region.region} --resource-type-management-preference DynamoDB=true`,
          ),
        );
      }
    }
    if (resourceTypes.length > 0) {
      const what = `${region.region} AWS Backup opt-in for ${list(resourceTypes)} (the backup selections name them)`;
      const off = resourceTypes.filter((t) => settings.ResourceTypeOptInPreference?.[t] !== true);
      const unmanaged = off.filter((t) => managed?.optIn[t] !== true);
      if (off.length === 0) {
        results.push(pass(`${what}: on`));
      } else if (unmanaged.length === 0) {
        results.push(pass(`${what}: off for ${list(off)}; ${atUp}`));
      } else {
        results.push(
          fail(
            `${what}: off for ${list(unmanaged)}, whose backups AWS Backup may skip`,
            `opt in to ${list(unmanaged)} in ${settingsPage}, under Service opt-in`,
          ),
        );
      }
    }
    return results;
  });
}
