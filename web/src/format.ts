// How numbers, rates, times and codes read on the page: one place, so the page and its end-to-end test agree.
// Fixed to English and UTC (the timeline's buckets are UTC hours and days), whatever the browser's settings.

const COUNT = new Intl.NumberFormat("en-US");
const PERCENT = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 2 });

export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** A rate as the API gives it (a fraction, 4 decimals) as a percentage with up to 2 decimals: 0.0012 → "0.12%". */
export function formatRate(rate: number): string {
  return PERCENT.format(rate);
}

const pad = (n: number) => String(n).padStart(2, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "1 complaint", "2 complaints". */
export function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "2026-11-30 14:05 UTC". */
export function formatDateTime(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** A timeline bucket's start: "2026-11-30 14:00" for an hour, "2026-11-30" for a day (both UTC). */
export function formatBucket(iso: string, bucket: "hour" | "day"): string {
  const d = new Date(iso);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return bucket === "day" ? day : `${day} ${pad(d.getUTCHours())}:00`;
}

/**
 * Labels of a time axis (UTC) for ticks `step` seconds apart: "14:00", with the date under the first tick of each day;
 * "Nov 30" for ticks a day or more apart.
 */
export function formatAxisTimes(seconds: readonly number[], step: number): string[] {
  let lastDay = "";
  return seconds.map((s) => {
    const d = new Date(s * 1000);
    const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
    if (step >= 86_400) return day;
    const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    const label = day === lastDay ? time : `${time}\n${day}`;
    lastDay = day;
    return label;
  });
}

const EVENT_LABELS: Record<string, string> = {
  send: "Sent",
  delivery: "Delivered",
  reject: "Rejected",
  bounce: "Bounced",
  complaint: "Complaint",
  delivery_delay: "Delivery delayed",
  rendering_failure: "Rendering failure",
  subscription: "Subscription change",
  unsubscribe: "Unsubscribed",
  open: "Opened",
  click: "Clicked",
};

export function formatEventType(type: string): string {
  return EVENT_LABELS[type] ?? humanize(type);
}

const SUPPRESSION_REASONS: Record<string, string> = {
  hard_bounce: "Hard bounce",
  soft_bounce: "Repeated soft bounces",
  complaint: "Complaint",
  unsubscribe: "Unsubscribed",
  manual: "Added by hand",
  sunset: "No human engagement (sunset policy)",
};

export function formatSuppressionReason(reason: string): string {
  return SUPPRESSION_REASONS[reason] ?? humanize(reason);
}

/** Machine classification reasons (src/machine/classify.ts) in words; an unknown code still reads. */
const MACHINE_REASONS: Record<string, string> = {
  head_request: "HEAD request (link scanner)",
  unusual_method: "Unusual HTTP method",
  empty_agent: "No user agent",
  honeypot: "Hidden trap link",
  honeypot_window: "Near a trap-link hit",
  scanner_network: "Mail-filtering network",
  gateway_network: "Security gateway network",
  burst: "Burst of clicks",
  gmail_prefetch: "Gmail app prefetch",
  mpp_proxy: "Apple Mail Privacy Protection",
  bare_agent: "Bare Mozilla/5.0 agent",
  scanner_agent: "Scanner or previewer",
  library_agent: "HTTP library or script",
  bot_agent: "Known bot",
  paired_non_navigation: "Paired non-navigation clicks",
};

export function formatMachineReason(code: string): string {
  return MACHINE_REASONS[code] ?? humanize(code);
}

function humanize(code: string): string {
  const words = code.replace(/[_-]+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : code;
}
