// Step 4: the SES configuration set named on every send, and its event destination publishing every event type to the topic.

import type { AwsCaller } from "../aws/client";
import {
  configurationSetExists,
  createConfigurationSet,
  createEventDestination,
  getEventDestinations,
  updateEventDestination,
  type EventDestination,
} from "../aws/ses";
import type { Report } from "./report";

/** Every SES v2 event type: the worker stores each of them. */
export const EVENT_TYPES = [
  "SEND",
  "REJECT",
  "BOUNCE",
  "COMPLAINT",
  "DELIVERY",
  "OPEN",
  "CLICK",
  "RENDERING_FAILURE",
  "DELIVERY_DELAY",
  "SUBSCRIPTION",
] as const;

export const EVENT_DESTINATION_NAME = "mail-tracker-sns";

export function wantedDestination(topicArn: string): EventDestination {
  return { Enabled: true, MatchingEventTypes: [...EVENT_TYPES], SnsDestination: { TopicArn: topicArn } };
}

/** What differs between the destination SES has and the wanted one, in words; empty when they agree. */
export function destinationDifferences(current: EventDestination, topicArn: string): string[] {
  const differences: string[] = [];
  if (current.Enabled !== true) differences.push("it is disabled");
  const missing = EVENT_TYPES.filter((t) => !current.MatchingEventTypes.includes(t));
  if (missing.length > 0) differences.push(`it leaves out ${missing.join(", ")}`);
  if (current.SnsDestination?.TopicArn !== topicArn) {
    differences.push(`it publishes to ${current.SnsDestination?.TopicArn ?? "no SNS topic"}`);
  }
  return differences;
}

export async function ensureConfigurationSet(aws: AwsCaller, report: Report, name: string, topicArn: string): Promise<void> {
  const exists = await configurationSetExists(aws, name);
  if (exists) {
    report.outcome("already as wanted", `configuration set ${name}`);
  } else {
    await createConfigurationSet(aws, name);
    report.outcome(aws.dryRun ? "would create" : "created", `configuration set ${name}`);
  }

  const wanted = wantedDestination(topicArn);
  const what = `event destination ${EVENT_DESTINATION_NAME}: all ${EVENT_TYPES.length} event types → ${topicArn}`;
  // A set that does not exist yet (dry run) has no destinations to read.
  const current = exists ? (await getEventDestinations(aws, name)).find((d) => d.Name === EVENT_DESTINATION_NAME) : undefined;
  if (!current) {
    await createEventDestination(aws, name, EVENT_DESTINATION_NAME, wanted);
    report.outcome(aws.dryRun ? "would create" : "created", what);
    return;
  }
  const differences = destinationDifferences(current, topicArn);
  if (differences.length === 0) {
    report.outcome("already as wanted", what);
  } else {
    await updateEventDestination(aws, name, EVENT_DESTINATION_NAME, wanted);
    report.outcome(aws.dryRun ? "would update" : "updated", `${what} (${differences.join("; ")})`);
  }
}
