// Every AWS operation the setup scripts call: its service, the IAM action it needs, and whether it changes anything.

export type AwsService = "ses" | "sns";

export interface Operation {
  service: AwsService;
  /** The IAM action a policy must allow for this call (docs/iam-policy.json lists exactly these). */
  iamAction: string;
  /** A mutating call is never made in a dry run; reads are. */
  mutating: boolean;
}

export const OPERATIONS = {
  GetAccount: { service: "ses", iamAction: "ses:GetAccount", mutating: false },
  ListEmailIdentities: { service: "ses", iamAction: "ses:ListEmailIdentities", mutating: false },
  GetEmailIdentity: { service: "ses", iamAction: "ses:GetEmailIdentity", mutating: false },
  GetConfigurationSet: { service: "ses", iamAction: "ses:GetConfigurationSet", mutating: false },
  CreateConfigurationSet: { service: "ses", iamAction: "ses:CreateConfigurationSet", mutating: true },
  GetConfigurationSetEventDestinations: { service: "ses", iamAction: "ses:GetConfigurationSetEventDestinations", mutating: false },
  CreateConfigurationSetEventDestination: { service: "ses", iamAction: "ses:CreateConfigurationSetEventDestination", mutating: true },
  UpdateConfigurationSetEventDestination: { service: "ses", iamAction: "ses:UpdateConfigurationSetEventDestination", mutating: true },
  ListTopics: { service: "sns", iamAction: "sns:ListTopics", mutating: false },
  CreateTopic: { service: "sns", iamAction: "sns:CreateTopic", mutating: true },
  GetTopicAttributes: { service: "sns", iamAction: "sns:GetTopicAttributes", mutating: false },
  SetTopicAttributes: { service: "sns", iamAction: "sns:SetTopicAttributes", mutating: true },
  ListSubscriptionsByTopic: { service: "sns", iamAction: "sns:ListSubscriptionsByTopic", mutating: false },
  Subscribe: { service: "sns", iamAction: "sns:Subscribe", mutating: true },
} as const satisfies Record<string, Operation>;

export type OperationName = keyof typeof OPERATIONS;
