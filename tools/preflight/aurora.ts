/** Check 3: both regions offer the global database's Aurora engine version. */
import {
  type DBEngineVersion,
  DescribeDBEngineVersionsCommand,
  DescribeGlobalClustersCommand,
} from "@aws-sdk/client-rds";
import type { PreflightAws } from "./aws";
import type { StackRequirements } from "./requirements";
import {
  AwsCallError,
  call,
  type CheckResult,
  fail,
  guarded,
  isNamed,
  list,
  pass,
  skip,
} from "./result";

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

/**
 * The version the global database runs, once deployed (RDS API Reference, DescribeGlobalClusters:
 * GlobalCluster.EngineVersion; GlobalClusterNotFoundFault before it exists:
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeGlobalClusters.html).
 */
async function runningVersion(
  aws: PreflightAws,
  region: string,
  identifier: string,
): Promise<string | undefined> {
  try {
    const answer = await aws
      .rds(region)
      .send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: identifier }));
    return answer.GlobalClusters?.[0]?.EngineVersion;
  } catch (error) {
    if (isNamed(error, "GlobalClusterNotFoundFault")) {
      return undefined;
    }
    throw new AwsCallError("rds:DescribeGlobalClusters", error);
  }
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
      const running = await runningVersion(
        aws,
        req.regions.primary,
        req.aurora?.globalClusterIdentifier ?? "",
      );
      const offered = `${subject}: available with global database support in ${list(regions)}`;
      if (running === undefined || running === version) {
        return [
          pass(
            running === undefined ? `${offered}; the global database is not created yet` : offered,
          ),
        ];
      }
      if (newestFirst(running, version) < 0) {
        // AWS upgraded the global database (end of a version's support): the GlobalCluster would
        // try to move it back, and RDS does not downgrade.
        return [
          fail(
            `${subject}: the global database runs ${running}, newer than the stack's ${version}`,
            `set auroraEngineVersion to ${running} (AWS upgraded it); a pulumi up with ${version} would try to move it back, which RDS refuses`,
          ),
        ];
      }
      return [pass(`${offered}; pulumi up upgrades the global database from ${running} in place`)];
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
