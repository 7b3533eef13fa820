// The /api answers the dashboard reads, as the browser sees them through /dashboard/api: the types of the API's own
// response schemas, which /openapi.json documents. src/domain/api-contract.ts imports no Workers types (they would
// clash with the DOM's in a browser program), so the browser program takes them from there, none copied by hand.
export type {
  Bucket,
  CampaignAudience,
  CampaignListItem,
  CampaignProviders,
  CampaignStats,
  ContactEvent,
  LinkRow,
  Links,
  Page,
  ProviderItem,
  Suppression,
  Timeline,
  TimelinePoint,
} from "../../src/domain/api-contract";
