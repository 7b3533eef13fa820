// A small bundled sample of Apple's iCloud Private Relay egress ranges, used until the first list refresh.
//
// Apple publishes the full list (about 290k rows, `cidr,country,region,city,`) at
// https://mask-api.icloud.com/egress-ip-ranges.csv ("Prepare your network or web server for iCloud Private Relay",
// https://developer.apple.com/support/prepare-your-network-for-icloud-private-relay/). It is far too large to bundle;
// a scheduled refresh replaces this sample with the whole list. The prefixes below are real rows of that file, from
// each of its three egress partners (Akamai, Cloudflare, Fastly), taken from:
// - the research note's sample rows (machine-signals.md §2.1);
// - the file as mirrored in noodlemctwoodle/Sentinel-As-Code, Watchlists/iCloudPrivateRelayIPRanges/data.csv
//   (commit 231f5d46bddfd27d800bf7c94587c6d3e0bafae5);
// - rezmoss/cloud-provider-ip-addresses, apple_private_relay/regions/*.
export const APPLE_RELAY_SAMPLE: readonly string[] = [
  // Akamai (AS36183), IPv4
  "172.224.224.0/27",
  "172.224.224.32/31",
  "172.224.224.34/31",
  "172.224.224.88/29",
  "172.224.226.0/27",
  "172.224.226.32/31",
  "172.224.226.34/31",
  "172.224.226.88/29",
  "172.224.226.96/28",
  "172.224.226.112/29",
  "172.224.227.0/27",
  "172.224.227.64/29",
  "172.224.228.32/28",
  "172.224.228.64/26",
  "172.224.229.0/26",
  "172.224.231.96/28",
  "172.224.232.0/28",
  "172.224.236.0/31",
  "172.224.237.0/26",
  "172.224.238.0/31",
  "172.225.26.224/27",
  // Cloudflare, IPv4
  "104.28.30.0/26",
  // Fastly, IPv4
  "146.75.136.0/22",
  "146.75.168.84/31",
  "140.248.40.70/31",
  // Akamai, IPv6
  "2a02:26f7:b3c0:4000::/64",
  "2a02:26f7:b385:a6a7::/64",
  "2a02:26f7:c680:4000::/64",
  "2a02:26f7:c6c0:4000::/64",
  "2a02:26f7:f6dc:a31c::/64",
  // Fastly, IPv6
  "2a04:4e41:275f:1700::/56",
  "2a04:4e41:0016:1000::/56",
  "2a04:4e41:0016:0116::/64",
  "2a04:4e41:0017:0000::/64",
  "2a04:4e41:1301:8000::/52",
  // Cloudflare, IPv6
  "2a09:bac2:b089:100::/56",
  "2a09:bac2:5020::/45",
  "2a09:bac3:5020::/45",
  "2606:54c0:5020::/45",
];
