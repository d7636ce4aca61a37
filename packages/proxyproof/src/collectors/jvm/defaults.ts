/**
 * Tomcat RemoteIpValve internalProxies default, as in Debian bookworm's Tomcat 10.1.60 (RemoteIpValve.class):
 * 10/8, 192.168/16, 169.254/16, 127/8, 100.64/10, 172.16/12, ::1, fe80::/10, fc00::/7.
 */
export const TOMCAT_INTERNAL_PROXIES = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '100.64.0.0/10',
  '::1',
  'fe80::/10',
  'fc00::/7',
];
