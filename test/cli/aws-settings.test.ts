// Where the setup scripts send AWS calls, and with which credentials: the SDKs' standard variables.
import { describe, expect, it } from "vitest";
import { awsSettingsFromEnv, AwsSettingsError } from "../../scripts/aws/client";

const CREDS = { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" };

describe("AWS settings from the environment", () => {
  it("uses AWS's regional endpoints unless told otherwise", () => {
    expect(awsSettingsFromEnv({ ...CREDS, AWS_REGION: "eu-west-1" }).endpoints).toEqual({
      ses: "https://email.eu-west-1.amazonaws.com",
      sns: "https://sns.eu-west-1.amazonaws.com",
    });
  });

  it("takes --region over AWS_REGION, and AWS_DEFAULT_REGION when AWS_REGION is not set", () => {
    expect(awsSettingsFromEnv({ ...CREDS, AWS_REGION: "eu-west-1" }, "ap-southeast-2").region).toBe("ap-southeast-2");
    expect(awsSettingsFromEnv({ ...CREDS, AWS_DEFAULT_REGION: "us-west-2" }).region).toBe("us-west-2");
  });

  it("follows AWS_ENDPOINT_URL_SESV2 / AWS_ENDPOINT_URL_SNS, which win over AWS_ENDPOINT_URL", () => {
    const settings = awsSettingsFromEnv({
      ...CREDS,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: "http://127.0.0.1:5000/",
      AWS_ENDPOINT_URL_SESV2: "http://127.0.0.1:6000",
    });
    expect(settings.endpoints).toEqual({ ses: "http://127.0.0.1:6000", sns: "http://127.0.0.1:5000" });
  });

  it("says what is missing: the region, or the credentials", () => {
    expect(() => awsSettingsFromEnv(CREDS)).toThrow(/pass --region .* or set AWS_REGION/);
    expect(() => awsSettingsFromEnv({ AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIA" })).toThrow(AwsSettingsError);
    expect(() => awsSettingsFromEnv({ AWS_REGION: "us-east-1" })).toThrow(/set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(() => awsSettingsFromEnv({ ...CREDS }, "track.example.com")).toThrow(/not an AWS region/);
  });
});
