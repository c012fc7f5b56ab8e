/**
 * An Aurora global cluster as DescribeGlobalClusters reports it, and the view of it the runbook and
 * the ledger's migration decide on. Pure: the shells describe the cluster.
 */

/**
 * A global cluster as DescribeGlobalClusters returns it (RDS API reference, GlobalCluster,
 * GlobalClusterMember and FailoverState; member names as the SDK has them). Every field is
 * optional there, and FailoverState is present only while a switchover or failover is scheduled
 * or in progress: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverState.html
 */
export interface DescribedGlobalCluster {
  readonly Status?: string;
  readonly GlobalClusterMembers?: readonly {
    readonly DBClusterArn?: string;
    readonly IsWriter?: boolean;
  }[];
  readonly FailoverState?: { readonly Status?: string };
}

/** What the runbook decides on: every field always present, null when AWS reports nothing. */
export interface GlobalClusterView {
  /** The member that reports IsWriter; null while none does (during a switch, for one). */
  readonly writer: string | null;
  readonly status: string | null;
  /** FailoverState's status while a switchover or failover is scheduled or running, else null. */
  readonly switching: string | null;
}

export function globalClusterView(cluster: DescribedGlobalCluster): GlobalClusterView {
  const writers = (cluster.GlobalClusterMembers ?? []).filter((m) => m.IsWriter === true);
  return {
    writer: writers.length === 1 ? (writers[0].DBClusterArn ?? null) : null,
    status: cluster.Status ?? null,
    switching: cluster.FailoverState?.Status ?? null,
  };
}
