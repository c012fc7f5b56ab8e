/** Check 7: once deployed, every ARC routing control of the stack is On. */
import { GetRoutingControlStateCommand } from "@aws-sdk/client-route53-recovery-cluster";
import {
  type Cluster,
  type ControlPanel,
  ListClustersCommand,
  ListControlPanelsCommand,
  ListRoutingControlsCommand,
  type RoutingControl,
} from "@aws-sdk/client-route53-recovery-control-config";
import type { PreflightAws } from "./aws";
import type { ArcRequirements } from "./requirements";
import {
  AwsCallError,
  call,
  type CheckResult,
  describeError,
  fail,
  guarded,
  list,
  pass,
  skip,
} from "./result";

/** Every page of a control-plane list (NextToken). */
async function allPages<T>(
  action: string,
  page: (token: string | undefined) => Promise<{ items?: T[]; NextToken?: string }>,
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const result = await call(action, page(token));
    items.push(...(result.items ?? []));
    token = result.NextToken;
  } while (token !== undefined);
  return items;
}

/**
 * A routing control's state from the cluster's data plane: each cluster has five regional
 * endpoints, and AWS's guidance is to try them in turn until one answers (ARC Developer Guide,
 * "Viewing and updating routing control states":
 * https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.update.html; Routing Control
 * API Reference, GetRoutingControlState: RoutingControlState On or Off:
 * https://docs.aws.amazon.com/routing-control/latest/APIReference/API_GetRoutingControlState.html).
 */
async function controlState(
  cluster: Cluster,
  arn: string,
  aws: PreflightAws,
): Promise<"On" | "Off"> {
  const failures: string[] = [];
  for (const endpoint of cluster.ClusterEndpoints ?? []) {
    try {
      const state = await aws
        .arcCluster(endpoint.Endpoint ?? "", endpoint.Region ?? "")
        .send(new GetRoutingControlStateCommand({ RoutingControlArn: arn }));
      return state.RoutingControlState === "On" ? "On" : "Off";
    } catch (error) {
      failures.push(`${endpoint.Region ?? "?"}: ${describeError(error)}`);
    }
  }
  throw new AwsCallError(
    "route53-recovery-cluster:GetRoutingControlState",
    new Error(`no cluster endpoint answered (${failures.join("; ") || "the cluster has none"})`),
  );
}

/**
 * Once deployed, every routing control of the stack must be On: a failover record's health check
 * needs its region's control On (components/traffic.ts), the program creates the controls Off
 * (docs/failover.md, "ARC routing controls"), and with a control Off traffic cannot move to (or stay in) that
 * region without a person. The control plane is the cluster, control panel and controls by name
 * (Recovery Control Config API Reference, ListClusters, ListControlPanels, ListRoutingControls:
 * https://docs.aws.amazon.com/recovery-cluster/latest/api/cluster.html,
 * https://docs.aws.amazon.com/recovery-cluster/latest/api/controlpanels.html,
 * https://docs.aws.amazon.com/recovery-cluster/latest/api/controlpanel-controlpanelarn-routingcontrols.html),
 * served in us-west-2 only.
 */
export async function checkRoutingControls(
  arc: ArcRequirements,
  aws: PreflightAws,
): Promise<CheckResult[]> {
  const subject = "ARC routing controls";
  const notYet = (what: string) =>
    skip(
      `${subject}: ${what} not created yet; after the first pulumi up, turn the routing controls On (docs/failover.md, "ARC routing controls") and run the preflight again`,
    );
  return guarded(subject, async () => {
    const control = aws.arcControl(arc.controlRegion);
    const clusters = await allPages<Cluster>(
      "route53-recovery-control-config:ListClusters",
      async (token) => {
        const page = await control.send(new ListClustersCommand({ NextToken: token }));
        return { items: page.Clusters, NextToken: page.NextToken };
      },
    );
    const cluster = clusters.find((c) => c.Name === arc.clusterName);
    if (cluster?.ClusterArn === undefined || (cluster.ClusterEndpoints ?? []).length === 0) {
      return [notYet(`cluster ${arc.clusterName}`)];
    }
    const panels = await allPages<ControlPanel>(
      "route53-recovery-control-config:ListControlPanels",
      async (token) => {
        const page = await control.send(
          new ListControlPanelsCommand({ ClusterArn: cluster.ClusterArn, NextToken: token }),
        );
        return { items: page.ControlPanels, NextToken: page.NextToken };
      },
    );
    const panel = panels.find((p) => p.Name === arc.controlPanelName);
    if (panel?.ControlPanelArn === undefined) {
      return [notYet(`control panel ${arc.controlPanelName}`)];
    }
    const controls = await allPages<RoutingControl>(
      "route53-recovery-control-config:ListRoutingControls",
      async (token) => {
        const page = await control.send(
          new ListRoutingControlsCommand({
            ControlPanelArn: panel.ControlPanelArn,
            NextToken: token,
          }),
        );
        return { items: page.RoutingControls, NextToken: page.NextToken };
      },
    );
    const found = arc.routingControls.map((name) => ({
      name,
      arn: controls.find((c) => c.Name === name)?.RoutingControlArn,
    }));
    const absent = found.filter((c) => c.arn === undefined).map((c) => c.name);
    if (absent.length > 0) {
      return [notYet(list(absent))];
    }
    const states = [];
    for (const { name, arn = "" } of found) {
      states.push({ name, arn, state: await controlState(cluster, arn, aws) });
    }
    const shown = list(states.map((s) => `${s.name} ${s.state}`));
    const off = states.filter((s) => s.state === "Off");
    if (off.length === 0) {
      return [pass(`${subject}: ${shown}`)];
    }
    const endpoint = (cluster.ClusterEndpoints ?? [])[0];
    return [
      fail(
        `${subject}: ${shown}; traffic cannot fail over to a region whose control is Off`,
        `unless a failover runbook turned it Off on purpose (then fail back with the runbook), turn it On: aws route53-recovery-cluster update-routing-control-states --region ${endpoint.Region ?? ""} --endpoint-url ${endpoint.Endpoint ?? ""} --update-routing-control-state-entries ${off.map((s) => `RoutingControlArn=${s.arn},RoutingControlState=On`).join(" ")} (another of the cluster's endpoints if this one does not answer)`,
      ),
    ];
  });
}
