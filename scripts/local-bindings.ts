// Which .dev.vars keys reach a local worker, and how: the one rule `npm start` and the tests' pool both follow.
//
// When wrangler.toml declares [secrets], wrangler (dev, startWorker, the vitest pool's nested copy) loads from .dev.vars
// only the keys named in `secrets.required` or in [vars]. The optional secrets (the AWS keys: a deployment without them
// tracks only) are neither, so wrangler drops them; they must not become required (the deploy-time check would demand
// them) nor [vars] (values in the repository). So whoever starts a local worker passes them itself, as secret bindings.

/** The part of a wrangler configuration (unstable_readConfig) that decides how a .dev.vars key is loaded. */
export interface SecretsConfig {
  vars: Record<string, unknown>;
  secrets?: { required?: string[] } | undefined;
}

export type DevVarKind =
  /** Named in [vars]: wrangler loads the .dev.vars value over the one in wrangler.toml. */
  | "var"
  /** Listed in [secrets] required: wrangler loads it, and a deploy without it fails. */
  | "required_secret"
  /** Neither: wrangler drops it, so the starter passes it (optionalSecretBindings). */
  | "optional_secret";

export function devVarKind(name: string, config: SecretsConfig): DevVarKind {
  if (Object.hasOwn(config.vars, name)) return "var";
  if (config.secrets?.required?.includes(name)) return "required_secret";
  return "optional_secret";
}

export interface SecretBinding {
  type: "secret_text";
  value: string;
}

/**
 * The optional secrets among `devVars`, as startWorker bindings (blank ones left out: blank means unset). Without
 * [secrets] wrangler loads every key itself, so there is nothing to add.
 */
export function optionalSecretBindings(devVars: Record<string, string>, config: SecretsConfig): Record<string, SecretBinding> {
  if (!config.secrets) return {};
  return Object.fromEntries(
    Object.entries(devVars)
      .filter(([name, value]) => value.trim() !== "" && devVarKind(name, config) === "optional_secret")
      .map(([name, value]) => [name, { type: "secret_text" as const, value }]),
  );
}

export type LocalBinding = SecretBinding | { type: "plain_text"; value: string };

/**
 * The bindings `npm start` hands wrangler's startWorker beside what wrangler loads itself: the optional secrets of
 * .dev.vars, and the local SES publisher's certificate URL (SNS_LOCAL_CERTIFICATE_URL) when it runs.
 */
export function localWorkerBindings(
  devVars: Record<string, string>,
  config: SecretsConfig,
  localCertificateUrl: string | null,
): Record<string, LocalBinding> {
  return {
    ...optionalSecretBindings(devVars, config),
    ...(localCertificateUrl ? { SNS_LOCAL_CERTIFICATE_URL: { type: "plain_text" as const, value: localCertificateUrl } } : {}),
  };
}
