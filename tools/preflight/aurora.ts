/** Check 3: both regions offer the global database's Aurora engine version. */
import { type DBEngineVersion, DescribeDBEngineVersionsCommand } from "@aws-sdk/client-rds";
import type { PreflightAws } from "./aws";
import type { StackRequirements } from "./requirements";
import { call, type CheckResult, fail, guarded, list, pass, skip } from "./result";

/** Engine versions by their numbers, newest first (`17.10` after `17.9`). */
function newestFirst(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const difference = (y[i] ?? 0) - (x[i] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

const usableGlobally = (v: DBEngineVersion) =>
  v.Status === "available" && v.SupportsGlobalDatabases === true;

/**
 * Every version of an engine a region offers, page by page (Marker). Without IncludeAll, only
 * available versions are listed; Status and SupportsGlobalDatabases say whether one can be created
 * and be a global database's member (RDS API Reference, DescribeDBEngineVersions and DBEngineVersion:
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBEngineVersions.html,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBEngineVersion.html).
 */
async function engineVersions(
  aws: PreflightAws,
  region: string,
  engine: string,
  version?: string,
): Promise<DBEngineVersion[]> {
  const versions: DBEngineVersion[] = [];
  let marker: string | undefined;
  do {
    const page = await call(
      "rds:DescribeDBEngineVersions",
      aws.rds(region).send(
        new DescribeDBEngineVersionsCommand({
          Engine: engine,
          ...(version === undefined ? {} : { EngineVersion: version }),
          Marker: marker,
        }),
      ),
    );
    versions.push(...(page.DBEngineVersions ?? []));
    marker = page.Marker;
  } while (marker !== undefined);
  return versions;
}

/** Both regions must offer the global database's version, available, with global database support. */
export async function checkAuroraVersion(
  req: StackRequirements,
  aws: PreflightAws,
): Promise<CheckResult[]> {
  if (req.aurora === undefined) {
    return [skip("Aurora: the stack has no global database")];
  }
  const { engine, version } = req.aurora;
  const subject = `Aurora ${engine} ${version}`;
  const regions = [req.regions.primary, req.regions.secondary];
  return guarded(subject, async () => {
    const problems: string[] = [];
    for (const region of regions) {
      const found = (await engineVersions(aws, region, engine, version)).find(
        (v) => v.EngineVersion === version,
      );
      if (found === undefined) {
        problems.push(`not offered in ${region}`);
      } else if (found.Status !== "available") {
        problems.push(`${found.Status ?? "no status"} in ${region}`);
      } else if (found.SupportsGlobalDatabases !== true) {
        problems.push(`no global database support in ${region}`);
      }
    }
    if (problems.length === 0) {
      return [pass(`${subject}: available with global database support in ${list(regions)}`)];
    }
    const offered = await Promise.all(
      regions.map(async (region) =>
        (await engineVersions(aws, region, engine))
          .filter(usableGlobally)
          .map((v) => v.EngineVersion ?? ""),
      ),
    );
    const common = [...new Set(offered[0].filter((v) => offered[1].includes(v)))]
      .sort(newestFirst)
      .slice(0, 3);
    return [
      fail(
        `${subject}: ${problems.join("; ")}`,
        common.length === 0
          ? `no ${engine} version is offered with global database support in both ${list(regions)}; choose other regions`
          : `set auroraEngineVersion to a version both regions offer with global database support, newest first: ${list(common)}`,
      ),
    ];
  });
}
