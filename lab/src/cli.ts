// The lab runner: `npm run lab -- list`, `npm run lab -- run <id> [--keep] [--no-browser]`,
// `npm run lab -- render <id> <dir>`.
import { closeBrowsers, observe } from './browser.js';
import { LabSkip, renderScenario, skipReason, startScenario } from './runner.js';
import { listScenarios, resolveEntry } from './scenarios.js';
import type { RunningScenario } from './types.js';

function usage(): never {
  console.error(`usage:
  npm run lab -- list
  npm run lab -- run <id>[:<variant>] [--keep] [--no-browser] [--json]
  npm run lab -- render <id>[:<variant>] <dir>`);
  process.exit(2);
}

function printHowTo(sc: RunningScenario): void {
  const r0 = sc.resolve[0]!;
  console.log(`scenario   ${sc.id}
expected   ${sc.expected.summary}
entry      ${sc.entryUrl}
backend    ${sc.backend.address}:${sc.backend.port} (where the proxy reaches the app server; it may listen on more addresses)
rendered   ${sc.dir}
runtime    ${sc.runDir}
CA         ${sc.caFile}
resolver   --host-resolver-rules="${sc.hostResolverRules}"

open it:
  chromium --user-data-dir=$(mktemp -d) --ignore-certificate-errors --host-resolver-rules="${sc.hostResolverRules}" ${sc.entryUrl}
  curl --cacert ${sc.caFile} --resolve ${r0.host}:${r0.port}:${r0.address} ${sc.entryUrl}whoami
  proxyproof doctor ${sc.dir}`);
  if (sc.outside && sc.def.outside) {
    // The outside host has a link to the app host only: it reaches the app at the app host's address on that link
    // (APP_OUTSIDE_ADDR), never at the backend address above, which is on the proxy's link.
    const target = sc.vars.APP_OUTSIDE_ADDR ?? sc.backend.address;
    const ns = sc.namespaces[sc.def.outside];
    console.log(
      `  ip netns exec ${ns} curl -H 'Host: app.test' -H 'X-Forwarded-Proto: https' http://${target}:${sc.backend.port}/whoami   # from the outside host ${sc.outside.address}`,
    );
    console.log(
      `  proxyproof probe --backend http://${target}:${sc.backend.port}/ --public ${new URL(sc.entryUrl).origin} --from-netns ${ns}`,
    );
  }
  for (const [host, ns] of Object.entries(sc.namespaces)) console.log(`host       ${host}: ip netns exec ${ns} <command>`);
  for (const p of sc.processes) console.log(`process    ${p.name} (${p.kind}) pid ${p.pid}: ${p.argv.join(' ')}`);
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const args = rest.filter((a) => !a.startsWith('--'));
  if (cmd === 'list') {
    for (const e of await listScenarios()) {
      const skip = skipReason((await resolveEntry(e.id)).def);
      console.log(`${e.id.padEnd(48)} ${e.needsNetns ? '[netns] ' : ''}${e.title}${skip ? `  (cannot run here: ${skip})` : ''}`);
      console.log(`${''.padEnd(48)}   expect: ${e.expected.summary}`);
    }
    return 0;
  }
  if (cmd === 'render') {
    if (args.length !== 2) usage();
    const { dir } = await renderScenario(args[0]!, args[1]!);
    console.log(`rendered ${args[0]} into ${dir}`);
    return 0;
  }
  if (cmd !== 'run' || args.length !== 1) usage();
  let sc: RunningScenario;
  try {
    sc = await startScenario(args[0]!, { keep: flags.has('--keep') });
  } catch (e) {
    if (e instanceof LabSkip) {
      console.error(`skipped: ${e.message}`);
      return 3;
    }
    throw e;
  }
  printHowTo(sc);
  try {
    if (!flags.has('--no-browser')) {
      const obs = await observe(sc.entryUrl, { hostResolverRules: sc.hostResolverRules, caFile: sc.caFile });
      if (flags.has('--json')) console.log(JSON.stringify(obs, null, 2));
      else {
        console.log('\nChromium observed:');
        console.log(`  final URL / error: ${obs.error ?? obs.finalUrl} (status ${obs.status ?? '-'})`);
        console.log(`  redirect chain: ${obs.redirectChain.join(' -> ')}`);
        for (const i of obs.mixedContentIssues)
          console.log(`  MixedContentIssue ${i.resourceType} ${i.resolutionStatus} ${i.insecureURL}`);
        for (const c of obs.cookies) console.log(`  cookie ${c.name} secure=${c.secure} sameSite=${c.sameSite}`);
      }
    }
    if (flags.has('--keep')) {
      console.log(
        `\nrunning; press Ctrl-C to tear down (the rendered files stay on disk); \`kill -HUP ${process.pid}\` restarts every process from the rendered files (after \`proxyproof fix --write\` on them)`,
      );
      await new Promise<void>((resolve) => {
        // One restart at a time; a signal during a restart waits for it.
        let restarting = Promise.resolve();
        const restart = () => {
          restarting = restarting.then(async () => {
            console.log('restarting from the rendered files ...');
            try {
              await sc.restart();
              for (const p of sc.processes) console.log(`process    ${p.name} (${p.kind}) pid ${p.pid}: ${p.argv.join(' ')}`);
              console.log('restarted');
            } catch (e) {
              console.error(`restart failed: ${(e as Error).message}\n${sc.logs()}`);
            }
          });
        };
        process.on('SIGHUP', restart);
        const stop = () => {
          process.off('SIGHUP', restart);
          void restarting.then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    }
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n${sc.logs()}`);
    return 1;
  } finally {
    await closeBrowsers();
    await sc.stop();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
