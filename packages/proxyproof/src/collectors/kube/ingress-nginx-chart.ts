/**
 * The ingress-nginx controller version a Helm chart version ships (the chart's `appVersion`): an umbrella chart's
 * `Chart.yaml` names the dependency's chart version, not the controller's, and the controller's defaults
 * (`use-forwarded-headers` before 0.22) go by the controller's.
 *
 * Source: `charts/ingress-nginx/Chart.yaml` in kubernetes/ingress-nginx, read at every `helm-chart-*` tag
 * (3.16.0 and later) and, for the charts released before tags were made, at the last commit of main that set each
 * chart version (git log of that file, commit dbb11b92ddb7, 2026-03-20). Pre-releases left out; one typo commit
 * (`version: 4.5.4`, `appVersion: 4.6.0`, never tagged) left out. From chart 4.10.0 on every tag has appVersion
 * 1.<minor>.<patch> of chart 4.<minor>.<patch> (checked for each of the 43 tagged releases 4.10.0–4.15.1), so later versions
 * follow that rule. Every chart of this repository ships a controller of 0.30 or later.
 */
const TABLE =
  '1.32.0=0.30.0 2.0.0=0.31.0 2.0.1=0.31.1 2.0.2=0.31.1 2.0.3=0.32.0 2.1.0=0.32.0 2.2.0=0.32.0 2.3.0=0.32.0 ' +
  '2.4.0=0.33.0 2.5.0=0.33.0 2.6.0=0.33.0 2.7.0=0.33.0 2.7.1=0.33.0 2.8.0=0.33.0 2.9.0=0.33.0 2.9.1=0.33.0 ' +
  '2.10.0=0.33.0 2.11.0=0.34.0 2.11.1=0.34.1 2.11.2=0.34.1 2.11.3=0.34.1 2.12.0=0.34.1 2.12.1=0.34.1 ' +
  '2.13.0=0.35.0 2.13.1=0.35.0 2.14.0=0.35.0 2.15.0=0.35.0 2.16.0=0.35.0 3.0.0=0.35.0 3.1.0=0.35.0 3.2.0=0.35.0 ' +
  '3.3.0=0.35.0 3.3.1=0.40.0 3.4.0=0.40.1 3.4.1=0.40.2 3.5.0=0.40.2 3.5.1=0.40.2 3.6.0=0.40.2 3.7.0=0.40.2 ' +
  '3.7.1=0.40.2 3.8.0=0.41.0 3.9.0=0.41.0 3.10.0=0.41.1 3.10.1=0.41.2 3.11.0=0.41.2 3.11.1=0.41.2 3.12.0=0.41.2 ' +
  '3.13.0=0.41.2 3.15.0=0.41.2 3.15.1=0.41.2 3.15.2=0.41.2 3.16.0=0.41.2 3.16.1=0.41.2 3.17.0=0.42.0 ' +
  '3.18.0=0.42.0 3.19.0=0.43.0 3.20.0=0.43.0 3.20.1=0.43.0 3.21.0=0.43.0 3.22.0=0.43.0 3.23.0=0.44.0 ' +
  '3.24.0=0.44.0 3.25.0=0.44.0 3.26.0=0.44.0 3.27.0=0.45.0 3.28.0=0.45.0 3.29.0=0.45.0 3.30.0=0.46.0 ' +
  '3.31.0=0.46.0 3.32.0=0.46.0 3.33.0=0.47.0 3.34.0=0.47.0 3.35.0=0.48.1 3.36.0=0.49.0 3.37.0=0.49.1 ' +
  '3.38.0=0.49.2 3.39.0=0.49.3 3.40.0=0.50.0 3.41.0=0.51.0 4.0.1=1.0.0 4.0.2=1.0.1 4.0.3=1.0.2 4.0.4=1.0.3 ' +
  '4.0.5=1.0.3 4.0.6=1.0.4 4.0.7=1.0.5 4.0.8=1.0.5 4.0.9=1.0.5 4.0.10=1.1.0 4.0.11=1.1.0 4.0.12=1.1.0 ' +
  '4.0.13=1.1.0 4.0.14=1.1.0 4.0.15=1.1.1 4.0.16=1.1.1 4.0.17=1.1.1 4.0.18=1.1.2 4.0.19=1.1.3 4.1.0=1.2.0 ' +
  '4.1.1=1.2.0 4.1.2=1.2.0 4.1.3=1.2.1 4.1.4=1.2.1 4.2.0=1.3.0 4.2.1=1.3.0 4.2.2=1.3.0 4.2.3=1.3.0 4.2.4=1.3.1 ' +
  '4.2.5=1.3.1 4.3.0=1.4.0 4.4.0=1.5.1 4.4.1=1.5.2 4.4.2=1.5.1 4.5.0=1.6.3 4.5.1=1.6.4 4.5.2=1.6.4 4.6.0=1.7.0 ' +
  '4.6.1=1.7.1 4.7.0=1.8.0 4.7.1=1.8.1 4.7.2=1.8.2 4.7.3=1.8.4 4.7.5=1.8.5 4.8.0=1.9.0 4.8.1=1.9.1 4.8.2=1.9.3 ' +
  '4.8.3=1.9.4 4.8.4=1.9.4 4.9.0=1.9.5 4.9.1=1.9.6';

let byChart: Map<string, string> | undefined;

/** The controller version chart `version` ships, or undefined (a range such as `^4.7.0`, an unknown version). */
export function ingressNginxChartAppVersion(version: string): string | undefined {
  const v = version.trim().replace(/^v/, '');
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major === 4 && minor >= 10) return `1.${minor}.${m[3]}`;
  byChart ??= new Map(TABLE.split(' ').map((p) => p.split('=') as [string, string]));
  return byChart.get(v);
}
