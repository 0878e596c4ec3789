import ipaddr from "ipaddr.js";

/**
 * The key per-client limits count on. An IPv6 host is usually handed a whole /64, so counting single addresses
 * would give one client 2^64 budgets: IPv6 counts per /64. IPv4-mapped IPv6 addresses count as the IPv4
 * address they are. Anything unparseable shares one budget rather than escaping the limit.
 */
export function clientAddressKey(ipAddress: string | null | undefined): string {
  if (!ipAddress || !ipaddr.isValid(ipAddress)) return "unknown";
  const address = ipaddr.process(ipAddress);
  if (address.kind() === "ipv4") return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(":")}::/64`;
}
