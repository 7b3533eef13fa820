// Published networks of mail-filtering services, and the ASN rules, that classification treats as machines.
//
// Data copied from public sources, each named beside it. Three strengths:
// - SCANNER_CIDRS: networks that only filter mail; no person reads mail or browses from them (a match decides).
// - GATEWAY_CIDRS: the mail-relay (MX) ranges of gateway vendors; mail hosts, not browsing egress (a match decides).
// - GATEWAY_ASNS: the same vendors' whole networks, which also carry a person's isolated browsing (Proofpoint
//   Isolation, Mimecast Browser Isolation): a match decides opens, and clicks only with a non-navigation Accept.
// Deliberately absent: Microsoft AS8075/8074/12076 and Google AS15169 as a whole, and the Exchange Online ranges:
// Azure-hosted desktops and Gmail/Outlook.com image proxies put people there (warmbly scanner-networks.txt).

/**
 * Microsoft 365 Exchange Online Protection (endpoint sets 9 and 10, *.protection.outlook.com): Safe Links and
 * delivery-time detonation run here. Source: Microsoft 365 worldwide endpoints,
 * https://learn.microsoft.com/en-us/microsoft-365/enterprise/urls-and-ip-address-ranges (as listed in
 * https://github.com/warmbly/warmbly/blob/main/tracking/scanner-networks.txt).
 */
export const MICROSOFT_EOP = [
  "40.92.0.0/15",
  "40.107.0.0/16",
  "52.100.0.0/14",
  "52.238.78.88/32",
  "104.47.0.0/17",
  "2a01:111:f400::/48",
  "2a01:111:f403::/48",
] as const;

/**
 * Azure addresses Phin publishes as Microsoft's link-scanner sources.
 * Source: https://phinsec.io/knowledge/ignore-third-party-service-ip-addresses
 */
export const MICROSOFT_SCANNER_IPS = ["40.64.64.90/32", "40.64.64.110/32", "40.64.100.180/32"] as const;

/**
 * Barracuda Email Gateway Defense, one block per region, as Barracuda publishes them for customers' mail servers.
 * Source: Barracuda Campus "Email Gateway Defense IP ranges", as listed in
 * https://github.com/warmbly/warmbly/blob/main/tracking/scanner-networks.txt.
 */
export const BARRACUDA_EGD = [
  "3.24.133.128/25",
  "15.222.16.128/25",
  "35.157.190.224/27",
  "18.185.115.192/26",
  "18.184.203.224/27",
  "13.200.136.128/25",
  "35.176.92.96/27",
  "18.133.136.128/26",
  "18.133.136.96/27",
  "209.222.82.0/24",
] as const;

/** Networks that only filter mail: a request from them is a machine, for opens and clicks alike. */
export const SCANNER_CIDRS: readonly string[] = [...MICROSOFT_EOP, ...MICROSOFT_SCANNER_IPS, ...BARRACUDA_EGD];

/**
 * Mail-gateway ranges of Proofpoint (pphosted: 148.163.128.0/19, 67.231.144.0/20) and Mimecast (205.139.110.0/24,
 * 207.211.31.0/25), as repeated in the vendors' Microsoft 365 connector guides (research note S10, medium confidence).
 */
export const GATEWAY_CIDRS: readonly string[] = ["148.163.128.0/19", "67.231.144.0/20", "205.139.110.0/24", "207.211.31.0/25"];

/**
 * Mail-security ASNs: Proofpoint 22843, 26211, 52129; Mimecast 30031, 39588, 42427, 60492; Cisco Secure Email
 * (IronPort) 16417. Source: https://github.com/warmbly/warmbly/blob/main/tracking/scanner-networks.txt (marked
 * "probable" there because of browser isolation).
 */
export const GATEWAY_ASNS: readonly number[] = [22843, 26211, 52129, 30031, 39588, 42427, 60492, 16417];

/**
 * The relay's egress partners Akamai (AS36183) and Fastly (AS54113) (research note S02; Umkus/ip-index#32). Used
 * only with an Apple Mail shaped agent on an open, as a fallback for relay addresses the current list does not hold
 * yet: no person's own mail client sits in these networks. Cloudflare (AS13335) is left out: its WARP VPN puts
 * people, Apple Mail users among them, inside that ASN.
 */
export const RELAY_ASNS: readonly number[] = [36183, 54113];
