// The SNS Query API actions the setup scripts use; answers read from the XML of the SNS API reference.

import type { AwsCaller } from "./client";
import { xmlBlocks, xmlEntries, xmlText } from "./xml";

export interface Subscription {
  SubscriptionArn: string;
  Protocol: string;
  Endpoint: string;
  TopicArn: string;
}

/** ListSubscriptionsByTopic's SubscriptionArn while the endpoint has not confirmed. */
export const PENDING_CONFIRMATION = "PendingConfirmation";

/** Every topic ARN of the account in this region, all pages. */
export async function listTopics(aws: AwsCaller): Promise<string[]> {
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const xml = (await aws.sns("ListTopics", token ? { NextToken: token } : {})) ?? "";
    for (const member of xmlBlocks(xml, "member")) {
      const arn = xmlText(member, "TopicArn");
      if (arn) arns.push(arn);
    }
    token = xmlText(xml, "NextToken") || undefined;
  } while (token);
  return arns;
}

/** Idempotent by name: the ARN of the topic, new or existing; `undefined` in a dry run. */
export async function createTopic(aws: AwsCaller, name: string): Promise<string | undefined> {
  const xml = await aws.sns("CreateTopic", { Name: name });
  return xml === undefined ? undefined : xmlText(xml, "TopicArn");
}

export async function getTopicAttributes(aws: AwsCaller, topicArn: string): Promise<Record<string, string>> {
  return xmlEntries((await aws.sns("GetTopicAttributes", { TopicArn: topicArn })) ?? "");
}

export async function setTopicAttribute(aws: AwsCaller, topicArn: string, name: string, value: string): Promise<void> {
  await aws.sns("SetTopicAttributes", { TopicArn: topicArn, AttributeName: name, AttributeValue: value });
}

export async function listSubscriptionsByTopic(aws: AwsCaller, topicArn: string): Promise<Subscription[]> {
  const subscriptions: Subscription[] = [];
  let token: string | undefined;
  do {
    const xml = (await aws.sns("ListSubscriptionsByTopic", { TopicArn: topicArn, ...(token ? { NextToken: token } : {}) })) ?? "";
    for (const member of xmlBlocks(xml, "member")) {
      subscriptions.push({
        SubscriptionArn: xmlText(member, "SubscriptionArn") ?? "",
        Protocol: xmlText(member, "Protocol") ?? "",
        Endpoint: xmlText(member, "Endpoint") ?? "",
        TopicArn: xmlText(member, "TopicArn") ?? "",
      });
    }
    token = xmlText(xml, "NextToken") || undefined;
  } while (token);
  return subscriptions;
}

/** Subscribes, or asks the endpoint to confirm again when a subscription is pending; `undefined` in a dry run. */
export async function subscribe(aws: AwsCaller, topicArn: string, protocol: string, endpoint: string): Promise<string | undefined> {
  const xml = await aws.sns("Subscribe", { TopicArn: topicArn, Protocol: protocol, Endpoint: endpoint, ReturnSubscriptionArn: "true" });
  return xml === undefined ? undefined : xmlText(xml, "SubscriptionArn");
}
