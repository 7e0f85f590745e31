// SvelteKit configuration: adapter-node output in build/, served by `bun serve.js` (a server that can drain).
import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    // WEB_BUILD_OUT lets scripts/budget.ts build beside a running server without replacing its files.
    adapter: adapter({ out: process.env.WEB_BUILD_OUT || 'build', precompress: true }),
    // Our own policy (Caddy keeps a page's CSP): SvelteKit adds nonces/hashes for its inline
    // bootstrap script. MapLibre runs its worker from a blob: URL and styles elements inline.
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:'],
        'font-src': ['self'],
        'worker-src': ['self', 'blob:'],
        'child-src': ['self', 'blob:'],
        'connect-src': ['self'],
        'manifest-src': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
        'base-uri': ['self'],
        'object-src': ['none'],
      },
    },
  },
};

export default config;
