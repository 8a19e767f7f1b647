/**
 * Where common AP firmware reports its number of associated Wi-Fi clients over SNMP. The standard
 * MIBs (IF-MIB, IEEE802dot11-MIB) have no station count that APs fill in, so each vendor's own
 * object is used, and `custom` takes any OID for the rest.
 */

export const clientsPresets = ['openwrt', 'unifi', 'tplink-eap', 'custom'] as const;
export type ClientsPreset = (typeof clientsPresets)[number];

/**
 * NET-SNMP-EXTEND-MIB::nsExtendOutput1Line (net-snmp's `extend` directive; OpenWrt's snmpd package
 * configures it with `config extend` sections in /etc/config/snmpd). The table is indexed by the
 * extend's name as a length-prefixed string, so "clients" is .7.99.108.105.101.110.116.115.
 */
export const NS_EXTEND_OUTPUT_1_LINE = '1.3.6.1.4.1.8072.1.3.2.3.1.1';

/**
 * UBNT-UniFi-MIB::unifiVapNumStations: stations per VAP (one row per SSID per radio), summed over
 * the unifiVapTable rows to get the AP's client count.
 */
export const UNIFI_VAP_NUM_STATIONS = '1.3.6.1.4.1.41112.1.6.1.2.1.8';

/**
 * TP-Link EAP (Omada) client count, a scalar under TP-Link's enterprise arc (11863). TP-Link does not
 * publish this MIB; the OID is the one LibreNMS polls for its `tplink-eap` OS
 * (LibreNMS/OS/TplinkEap.php, 2023). Not verified on hardware here: EAP firmware varies by model and
 * version, and some report nothing over SNMP when managed by an Omada controller. If a unit answers
 * "no such object", find its OID with `snmpwalk -v2c -c <community> <ap> 1.3.6.1.4.1.11863` and use
 * `clientsPreset: custom` with `clientsOid`.
 */
export const TPLINK_EAP_CLIENTS = '1.3.6.1.4.1.11863.10.1.1.1.0';

/** The instance OID of an extend's one-line output: the name as a length-prefixed string index. */
export function extendOutputOid(name: string): string {
  const bytes = [...Buffer.from(name, 'utf8')];
  return `${NS_EXTEND_OUTPUT_1_LINE}.${bytes.length}.${bytes.join('.')}`;
}

/**
 * How to read the count: `get` one instance; `sum` every object under a subtree; `auto` (custom OIDs)
 * try a GET and, if the OID is not an instance, sum the subtree under it.
 */
export interface ClientsSource {
  oid: string;
  mode: 'get' | 'sum' | 'auto';
}

export function clientsSource(preset: ClientsPreset, opts: { clientsOid?: string; clientsExtend?: string }): ClientsSource {
  switch (preset) {
    case 'openwrt':
      return { oid: opts.clientsOid ?? extendOutputOid(opts.clientsExtend ?? 'clients'), mode: 'get' };
    case 'unifi':
      return { oid: opts.clientsOid ?? UNIFI_VAP_NUM_STATIONS, mode: 'sum' };
    case 'tplink-eap':
      return { oid: opts.clientsOid ?? TPLINK_EAP_CLIENTS, mode: 'get' };
    case 'custom':
      if (!opts.clientsOid) throw new Error('clientsPreset "custom" needs clientsOid');
      return { oid: opts.clientsOid, mode: 'auto' };
  }
}
