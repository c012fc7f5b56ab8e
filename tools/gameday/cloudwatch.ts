/**
 * CloudWatch for game days (issue 14): the metrics the simulation produces, the plan's alarms
 * evaluated over them every minute, and each state change sent to the alarm's SNS actions. What
 * it follows, from the Amazon CloudWatch User Guide:
 * - Embedded metric format: a log line with `_aws.CloudWatchMetrics` becomes datapoints, its
 *   dimensions' values taken from the line's root members
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * - An alarm looks at its last `EvaluationPeriods` periods and goes to ALARM when at least
 *   `DatapointsToAlarm` of them breach; missing data counts as `TreatMissingData` says
 *   ("Using Amazon CloudWatch alarms", "Configuring how alarms treat missing data":
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
 * - A composite alarm's rule combines other alarms' states with AND / OR
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html).
 * - On a state change an alarm publishes to its actions' SNS topics a JSON message with
 *   `AlarmName`, `AlarmArn`, `NewStateValue`, `OldStateValue` and `StateChangeTime`
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-sns-notifications.html —
 *   the message's fields as the orchestrator reads them).
 * Service metrics the game day knows it caused are recorded directly: SQS NumberOfMessagesSent
 * and ApproximateNumberOfMessagesVisible, Route 53 HealthCheckStatus (in us-east-1, as Route 53
 * publishes it), API Gateway 5XXError.
 */
import type { Evaluation, RecordedResource } from "../engine/engine";

type State = "OK" | "ALARM" | "INSUFFICIENT_DATA";

interface Datapoint {
  readonly region: string;
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly at: number;
  readonly value: number;
}

interface MetricAlarm {
  readonly kind: "metric";
  readonly name: string;
  readonly region: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparison: string;
  readonly treatMissingData: string;
  readonly actions: readonly string[];
}

interface CompositeAlarm {
  readonly kind: "composite";
  readonly name: string;
  readonly region: string;
  readonly rule: string;
  readonly actions: readonly string[];
}

type Alarm = MetricAlarm | CompositeAlarm;

export interface AlarmChange {
  readonly name: string;
  readonly region: string;
  readonly at: number;
  readonly from: State;
  readonly to: State;
}

function compare(value: number, operator: string, threshold: number): boolean {
  switch (operator) {
    case "GreaterThanThreshold":
      return value > threshold;
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
    default:
      return false;
  }
}

function statistic(values: readonly number[], stat: string): number {
  switch (stat) {
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "Minimum":
      return Math.min(...values);
    case "Maximum":
      return Math.max(...values);
    case "SampleCount":
      return values.length;
    default:
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

const sameDimensions = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([k, v]) => b[k] === v);

export class CloudWatch {
  private readonly datapoints: Datapoint[] = [];
  readonly alarms: readonly Alarm[];
  private readonly states = new Map<string, State>();
  readonly changes: AlarmChange[] = [];
  /**
   * When the game's data begins. The system is taken to have run in steady state before it, so
   * periods before it are left out of an evaluation rather than counted as missing data (which
   * `breaching` alarms would read as an outage at the first evaluation).
   */
  since = Number.NEGATIVE_INFINITY;
  private readonly account: string;
  private readonly healthCheckIds: Record<string, string>;

  constructor(
    evaluation: Evaluation,
    private readonly publish: (topicArn: string, message: Record<string, unknown>) => void,
  ) {
    const of = (type: string) => evaluation.resources.filter((r) => r.type === type);
    const actions = (r: RecordedResource) => (r.inputs.alarmActions ?? []) as string[];
    this.alarms = [
      ...of("aws:cloudwatch/metricAlarm:MetricAlarm")
        .filter((r) => r.inputs.metricName !== undefined)
        .map((r): MetricAlarm => ({
          kind: "metric",
          name: String(r.outputs.name ?? r.inputs.name),
          region: String(r.region),
          namespace: String(r.inputs.namespace),
          metricName: String(r.inputs.metricName),
          dimensions: (r.inputs.dimensions ?? {}) as Record<string, string>,
          statistic: String(r.inputs.statistic ?? "Average"),
          periodSeconds: Number(r.inputs.period ?? 60),
          evaluationPeriods: Number(r.inputs.evaluationPeriods ?? 1),
          datapointsToAlarm: Number(r.inputs.datapointsToAlarm ?? r.inputs.evaluationPeriods ?? 1),
          threshold: Number(r.inputs.threshold ?? 0),
          comparison: String(r.inputs.comparisonOperator),
          treatMissingData: String(r.inputs.treatMissingData ?? "missing"),
          actions: actions(r),
        })),
      ...of("aws:cloudwatch/compositeAlarm:CompositeAlarm").map((r): CompositeAlarm => ({
        kind: "composite",
        name: String(r.inputs.alarmName),
        region: String(r.region),
        rule: String(r.inputs.alarmRule),
        actions: actions(r),
      })),
    ];
    for (const alarm of this.alarms) {
      this.states.set(alarm.name, "INSUFFICIENT_DATA");
    }
    this.account = String(of("aws:iam/role:Role")[0]?.outputs.arn ?? "").split(":")[4];
    this.healthCheckIds = Object.fromEntries(
      ["primary", "secondary"].map((role) => [
        role,
        String(
          of("aws:route53/healthCheck:HealthCheck").find(
            (r) => r.name === `traffic-${role}-endpoint`,
          )?.outputs.id ?? "",
        ),
      ]),
    );
  }

  record(point: Omit<Datapoint, "at"> & { at?: number }): void {
    this.datapoints.push({ ...point, at: point.at ?? Date.now() });
  }

  /** A function's stdout line: embedded-metric-format lines become datapoints. */
  log(region: string, line: string): void {
    if (!line.startsWith("{") || !line.includes('"_aws"')) {
      return;
    }
    let document: {
      _aws?: {
        Timestamp?: number;
        CloudWatchMetrics?: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string }[];
        }[];
      };
    } & Record<string, unknown>;
    try {
      document = JSON.parse(line) as typeof document;
    } catch {
      return;
    }
    for (const directive of document._aws?.CloudWatchMetrics ?? []) {
      for (const metric of directive.Metrics) {
        const raw = document[metric.Name];
        const values = Array.isArray(raw) ? (raw as number[]) : [Number(raw)];
        for (const set of directive.Dimensions.length === 0 ? [[]] : directive.Dimensions) {
          const dimensions = Object.fromEntries(set.map((d) => [d, String(document[d])]));
          for (const value of values) {
            this.record({
              region,
              namespace: directive.Namespace,
              name: metric.Name,
              dimensions,
              value,
              at: document._aws?.Timestamp ?? Date.now(),
            });
          }
        }
      }
    }
  }

  private queueName(url: string): string {
    return url.split("/").pop() ?? url;
  }

  messageSent(region: string, url: string): void {
    this.record({
      region,
      namespace: "AWS/SQS",
      name: "NumberOfMessagesSent",
      dimensions: { QueueName: this.queueName(url) },
      value: 1,
    });
  }

  queueDepth(region: string, url: string, visible: number): void {
    this.record({
      region,
      namespace: "AWS/SQS",
      name: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: this.queueName(url) },
      value: visible,
    });
  }

  /** Route 53 publishes HealthCheckStatus (1 healthy, 0 not) in us-east-1. */
  healthCheck(role: string, healthy: boolean): void {
    this.record({
      region: "us-east-1",
      namespace: "AWS/Route53",
      name: "HealthCheckStatus",
      dimensions: { HealthCheckId: this.healthCheckIds[role] },
      value: healthy ? 1 : 0,
    });
  }

  /** An API Gateway response: 5XXError is 1 for a 5xx, 0 otherwise (its average is the rate). */
  apiRequest(region: string, status: number): void {
    for (const alarm of this.alarms) {
      if (
        alarm.kind === "metric" &&
        alarm.region === region &&
        alarm.namespace === "AWS/ApiGateway" &&
        alarm.metricName === "5XXError"
      ) {
        this.record({
          region,
          namespace: "AWS/ApiGateway",
          name: "5XXError",
          dimensions: alarm.dimensions,
          value: status >= 500 ? 1 : 0,
        });
      }
    }
  }

  state(name: string): State {
    return this.states.get(name) ?? "INSUFFICIENT_DATA";
  }

  /** Names of the alarms that were in ALARM at some point. */
  get raised(): string[] {
    return [...new Set(this.changes.filter((c) => c.to === "ALARM").map((c) => c.name))];
  }

  private evaluateMetric(alarm: MetricAlarm, now: number): State {
    const period = alarm.periodSeconds * 1000;
    const end = Math.floor(now / period) * period;
    let breaching = 0;
    let present = 0;
    for (let i = 0; i < alarm.evaluationPeriods; i += 1) {
      const from = end - (i + 1) * period;
      const to = end - i * period;
      if (from < this.since) {
        continue;
      }
      const values = this.datapoints
        .filter(
          (d) =>
            d.region === alarm.region &&
            d.namespace === alarm.namespace &&
            d.name === alarm.metricName &&
            d.at >= from &&
            d.at < to &&
            sameDimensions(d.dimensions, alarm.dimensions),
        )
        .map((d) => d.value);
      if (values.length === 0) {
        if (alarm.treatMissingData === "breaching") {
          breaching += 1;
          present += 1;
        } else if (alarm.treatMissingData === "notBreaching") {
          present += 1;
        }
        continue;
      }
      present += 1;
      if (compare(statistic(values, alarm.statistic), alarm.comparison, alarm.threshold)) {
        breaching += 1;
      }
    }
    if (present === 0) {
      return this.state(alarm.name);
    }
    return breaching >= alarm.datapointsToAlarm ? "ALARM" : "OK";
  }

  private evaluateRule(alarm: CompositeAlarm): State {
    // ALARM("a") AND ALARM("b") OR …, left to right (the plan's rules use no parentheses).
    const tokens = alarm.rule.match(/ALARM\("([^"]+)"\)|AND|OR/g) ?? [];
    let result: boolean | null = null;
    let operator = "AND";
    for (const token of tokens) {
      if (token === "AND" || token === "OR") {
        operator = token;
        continue;
      }
      const name = /ALARM\("([^"]+)"\)/.exec(token)?.[1] ?? "";
      const value = this.state(name) === "ALARM";
      result = result === null ? value : operator === "AND" ? result && value : result || value;
    }
    return result === true ? "ALARM" : "OK";
  }

  /**
   * Evaluates every alarm of a region that is up at `now` and notifies each change. A region that
   * is down evaluates nothing and notifies nobody: its alarms keep the state they had.
   */
  evaluate(now: number, regionUp: (region: string) => boolean): void {
    for (const kind of ["metric", "composite"] as const) {
      for (const alarm of this.alarms.filter((a) => a.kind === kind && regionUp(a.region))) {
        const next =
          alarm.kind === "metric" ? this.evaluateMetric(alarm, now) : this.evaluateRule(alarm);
        const previous = this.state(alarm.name);
        if (next === previous) {
          continue;
        }
        this.states.set(alarm.name, next);
        this.changes.push({
          name: alarm.name,
          region: alarm.region,
          at: now,
          from: previous,
          to: next,
        });
        const arn = `arn:aws:cloudwatch:${alarm.region}:${this.account}:alarm:${alarm.name}`;
        for (const topic of alarm.actions) {
          this.publish(topic, {
            AlarmName: alarm.name,
            AlarmArn: arn,
            NewStateValue: next,
            OldStateValue: previous,
            NewStateReason: `game day evaluation at ${new Date(now).toISOString()}`,
            StateChangeTime: new Date(now).toISOString(),
            Region: alarm.region,
          });
        }
      }
    }
    // Keep an hour of datapoints: no alarm looks further back.
    const horizon = now - 3_600_000;
    while (this.datapoints.length > 0 && this.datapoints[0].at < horizon) {
      this.datapoints.shift();
    }
  }

  /** GetMetricData for one MetricStat query: the datapoints of the last minutes, newest first. */
  getMetricData(
    region: string,
    body: Record<string, unknown>,
    lags: { readonly auroraMs: number; readonly dynamodbMs: number },
  ): unknown {
    const queries = (body.MetricDataQueries ?? []) as {
      Id: string;
      MetricStat: { Metric: { Namespace: string; MetricName: string }; Stat: string };
    }[];
    return {
      MetricDataResults: queries.map((query) => {
        const { Namespace, MetricName } = query.MetricStat.Metric;
        // The replication metrics are the models' own: Aurora's lag and RPO lag (the secondary
        // behind the writer), DynamoDB's ReplicationLatency (the global table's delay).
        const modelled =
          Namespace === "AWS/RDS" && MetricName.startsWith("AuroraGlobalDB")
            ? lags.auroraMs
            : Namespace === "AWS/DynamoDB" && MetricName === "ReplicationLatency"
              ? lags.dynamodbMs
              : undefined;
        if (modelled !== undefined) {
          return {
            Id: query.Id,
            Label: MetricName,
            Timestamps: [Date.now() / 1000],
            Values: [modelled],
            StatusCode: "Complete",
          };
        }
        const points = this.datapoints
          .filter((d) => d.region === region && d.namespace === Namespace && d.name === MetricName)
          .slice(-5)
          .reverse();
        return {
          Id: query.Id,
          Label: MetricName,
          Timestamps: points.map((p) => p.at / 1000),
          Values: points.map((p) => p.value),
          StatusCode: "Complete",
        };
      }),
    };
  }
}
