/** The files of a minimal SvelteKit adapter-node project, shared by the SvelteKit check and chain tests. */

/** svelte.config.js with adapter-node. */
export const ADAPTER_NODE_CONFIG =
  "import adapter from '@sveltejs/adapter-node';\n\n/** @type {import('@sveltejs/kit').Config} */\nconst config = { kit: { adapter: adapter() } };\nexport default config;\n";

/** package.json with this `start` script (SvelteKit 2, adapter-node 5). */
export const adapterNodePackage = (start: string) =>
  JSON.stringify(
    {
      name: 'site',
      scripts: { build: 'vite build', start },
      devDependencies: { '@sveltejs/adapter-node': '^5.2.0', '@sveltejs/kit': '^2.5.0' },
    },
    null,
    2,
  );
