// Stored client addresses: the network only (IPv4 /24, IPv6 /48), never an unparsed string that could be a whole address.
import { describe, expect, it } from "vitest";
import { ipNetwork, storedIp } from "../../src/domain/ip";

describe("ipNetwork", () => {
  it("keeps the /24 of an IPv4 address and the /48 of an IPv6 one", () => {
    const cases: Array<[string, string]> = [
      ["203.0.113.9", "203.0.113.0"],
      ["0.0.0.0", "0.0.0.0"],
      ["255.255.255.255", "255.255.255.0"],
      [" 198.51.100.250 ", "198.51.100.0"],
      ["2001:db8::1", "2001:db8::"],
      ["2001:db8:abcd:1234:5678:9abc:def0:1234", "2001:db8:abcd::"],
      ["2001:DB8:ABCD:0012::", "2001:db8:abcd::"],
      ["fe80::1%eth0", "fe80::"],
      ["::1", "::"],
      // An IPv4 address carried in IPv6 is an IPv4 address.
      ["::ffff:192.0.2.77", "192.0.2.0"],
    ];
    for (const [ip, network] of cases) expect(ipNetwork(ip), ip).toBe(network);
  });

  it("stores nothing for what is not an address", () => {
    for (const ip of ["", "not-an-ip", "256.1.1.1", "1.2.3", "1.2.3.4.5", "2001:db8:::1", "203.0.113.9, 10.0.0.1", "unknown", null, undefined]) {
      expect(ipNetwork(ip), String(ip)).toBeNull();
    }
  });

  it("reads leading zeros as decimal and never keeps the host part", () => {
    expect(ipNetwork("010.001.002.003")).toBe("10.1.2.0");
  });
});

describe("storedIp", () => {
  it("is the network unless whole addresses are configured", () => {
    expect(storedIp("203.0.113.9", false)).toBe("203.0.113.0");
    expect(storedIp("203.0.113.9", true)).toBe("203.0.113.9");
    expect(storedIp(null, true)).toBeNull();
    expect(storedIp(undefined, false)).toBeNull();
  });
});
