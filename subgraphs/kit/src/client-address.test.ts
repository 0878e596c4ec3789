import { describe, expect, it } from "vitest";
import { clientAddressKey } from "./client-address.js";

describe("clientAddressKey", () => {
  it("keeps IPv4 addresses, and IPv4-mapped IPv6 ones as the IPv4 address", () => {
    expect(clientAddressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientAddressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("counts every address of one IPv6 /64 as one client, and different /64s apart", () => {
    const key = clientAddressKey("2001:db8:1:2::1");
    expect(key).toBe("2001:db8:1:2::/64");
    expect(clientAddressKey("2001:0db8:0001:0002:ffff:ffff:ffff:fffe")).toBe(key);
    expect(clientAddressKey("2001:db8:1:3::1")).not.toBe(key);
  });

  it("puts missing and unparseable addresses in one shared bucket", () => {
    expect(clientAddressKey(undefined)).toBe("unknown");
    expect(clientAddressKey("not-an-address")).toBe("unknown");
  });
});
