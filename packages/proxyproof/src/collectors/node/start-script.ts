/**
 * How a container or a package script starts a Node app: `npm start`, `npm run start`, `yarn start`, `pnpm run serve`
 * (also inside `sh -c "npm install && npm start"`), and the file a script runs with `node`/`nodemon`/`ts-node`/`tsx`
 * (`"start": "node ./bin/www"`: express-generator's extensionless entry). Pure functions over argv and script text.
 */
import { basename, resolve } from 'node:path';
import { splitCommands } from '../deploy/shell.js';

/** Programs that run a JavaScript/TypeScript file given as their first non-option argument. */
const RUNNERS = /^(node|nodejs|nodemon|ts-node|ts-node-dev|tsx|supervisor|forever)$/;
/** Options of those runners that take a value (`node -r dotenv/config app.js`). */
const VALUE_OPTS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-e', '--eval', '--watch-path']);

/** The simple commands of an argv: `sh -c "a && b"` is its script's commands, anything else the argv itself. */
function commandsOf(argv: string[]): string[][] {
  const shell = argv.findIndex((w, i) => /(^|\/)(sh|bash|ash|dash|zsh)$/.test(w) && /^-[a-z]*c$/.test(argv[i + 1] ?? ''));
  if (shell !== -1 && argv[shell + 2] !== undefined)
    return splitCommands(argv[shell + 2] as string, () => undefined, { expand: false }).map((c) => c.argv.map((w) => w.text));
  return [argv];
}

/**
 * The package script an argv runs: `npm start` / `npm run start` / `npm run-script x` / `yarn x` / `yarn run x` /
 * `pnpm x` / `pnpm run x`, directly or in a shell's `-c` script. Undefined when it runs none.
 */
export function packageScriptRun(argv: string[]): string | undefined {
  for (const cmd of commandsOf(argv)) {
    const i = cmd.findIndex((w) => /^(npm|yarn|pnpm)$/.test(basename(w)));
    if (i === -1) continue;
    const tool = basename(cmd[i] as string);
    const rest = cmd.slice(i + 1).filter((w) => !w.startsWith('-'));
    const verb = rest[0];
    if (verb === undefined) continue;
    if (verb === 'start' || verb === 'restart') return 'start';
    if (verb === 'run' || verb === 'run-script') {
      if (rest[1] !== undefined) return rest[1];
      continue;
    }
    // `yarn serve` / `pnpm serve` run the script of that name (npm needs `run`); npm's own verbs run no script.
    if (tool !== 'npm' && !/^(install|add|remove|ci|i|build|test|exec|dlx|x)$/.test(verb)) return verb;
  }
  return undefined;
}

/** Absolute paths of the files a script's commands run with a Node runner (relative to the package folder). */
export function scriptTargets(command: string, packageDir: string): string[] {
  const out: string[] = [];
  for (const cmd of splitCommands(command, () => undefined, { expand: false })) {
    const argv = cmd.argv.map((w) => w.text);
    const i = argv.findIndex((w) => RUNNERS.test(basename(w)));
    if (i === -1) continue;
    for (let k = i + 1; k < argv.length; k++) {
      const a = argv[k] as string;
      if (VALUE_OPTS.has(a)) {
        k++;
        continue;
      }
      if (a.startsWith('-')) continue;
      out.push(resolve(packageDir, a));
      break;
    }
  }
  return out;
}
