/**
 * Machine addresses: a stable private IPv4 address per machine id, in 10.0.0.0/8. The
 * controller records it as the unit's address; the netns substrate puts it on the
 * machine's eth0, so what relation data says is where the daemons really listen.
 */
export function addressOf(machine: string): string {
  const n = Number(machine);
  return `10.${20 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${(n % 256) + 1}`;
}
