// The SES v2 operations the setup scripts use, with the answer shapes of the SES API v2 reference.

import { AwsError, type AwsCaller } from "./client";

export interface SesAccount {
  ProductionAccessEnabled?: boolean;
  SendingEnabled?: boolean;
  EnforcementStatus?: string;
  SendQuota?: { Max24HourSend?: number; MaxSendRate?: number; SentLast24Hours?: number };
  Details?: { ReviewDetails?: { Status?: string; CaseId?: string } };
}

export interface IdentitySummary {
  IdentityType?: "EMAIL_ADDRESS" | "DOMAIN" | "MANAGED_DOMAIN";
  IdentityName: string;
  SendingEnabled?: boolean;
  VerificationStatus?: string;
}

export interface EmailIdentity {
  IdentityType?: string;
  VerifiedForSendingStatus?: boolean;
  VerificationStatus?: string;
  DkimAttributes?: { SigningEnabled?: boolean; Status?: string; Tokens?: string[]; SigningAttributesOrigin?: string };
}

export interface EventDestination {
  Enabled?: boolean;
  MatchingEventTypes: string[];
  SnsDestination?: { TopicArn: string };
}

export interface NamedEventDestination extends EventDestination {
  Name: string;
}

const enc = encodeURIComponent;

export function getAccount(aws: AwsCaller): Promise<SesAccount | undefined> {
  return aws.ses<SesAccount>("GetAccount", "GET", "/v2/email/account");
}

/** Every identity, all pages. */
export async function listEmailIdentities(aws: AwsCaller): Promise<IdentitySummary[]> {
  const all: IdentitySummary[] = [];
  let token: string | undefined;
  do {
    const query = token ? `?NextToken=${enc(token)}` : "";
    const page = await aws.ses<{ EmailIdentities?: IdentitySummary[]; NextToken?: string | null }>(
      "ListEmailIdentities",
      "GET",
      `/v2/email/identities${query}`,
    );
    all.push(...(page?.EmailIdentities ?? []));
    token = page?.NextToken ?? undefined;
  } while (token);
  return all;
}

export function getEmailIdentity(aws: AwsCaller, name: string): Promise<EmailIdentity | undefined> {
  return aws.ses<EmailIdentity>("GetEmailIdentity", "GET", `/v2/email/identities/${enc(name)}`);
}

/** Whether the configuration set exists (SES answers NotFoundException when it does not). */
export async function configurationSetExists(aws: AwsCaller, name: string): Promise<boolean> {
  try {
    await aws.ses("GetConfigurationSet", "GET", `/v2/email/configuration-sets/${enc(name)}`);
    return true;
  } catch (err) {
    if (err instanceof AwsError && err.status === 404 && err.code === "NotFoundException") return false;
    throw err;
  }
}

export async function createConfigurationSet(aws: AwsCaller, name: string): Promise<void> {
  await aws.ses("CreateConfigurationSet", "POST", "/v2/email/configuration-sets", { ConfigurationSetName: name });
}

export async function getEventDestinations(aws: AwsCaller, set: string): Promise<NamedEventDestination[]> {
  const answer = await aws.ses<{ EventDestinations?: NamedEventDestination[] }>(
    "GetConfigurationSetEventDestinations",
    "GET",
    `/v2/email/configuration-sets/${enc(set)}/event-destinations`,
  );
  return answer?.EventDestinations ?? [];
}

export async function createEventDestination(aws: AwsCaller, set: string, name: string, destination: EventDestination): Promise<void> {
  await aws.ses("CreateConfigurationSetEventDestination", "POST", `/v2/email/configuration-sets/${enc(set)}/event-destinations`, {
    EventDestinationName: name,
    EventDestination: destination,
  });
}

export async function updateEventDestination(aws: AwsCaller, set: string, name: string, destination: EventDestination): Promise<void> {
  await aws.ses("UpdateConfigurationSetEventDestination", "PUT", `/v2/email/configuration-sets/${enc(set)}/event-destinations/${enc(name)}`, {
    EventDestination: destination,
  });
}
