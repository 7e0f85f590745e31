// Vite configuration. In `vite dev` there is no Caddy in front, so forward the edge's paths
// to its default port; in production Caddy routes /trpc and /tiles to the edge.
import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

const edge = 'http://localhost:3001';

export default defineConfig({
  plugins: [tailwindcss(), sveltekit()],
  server: {
    port: 3000,
    strictPort: true,
    proxy: { '/trpc': edge, '/tiles': edge },
  },
  // Workspace code the pages use (the role reading of @weltgewebe/kit/roles, the domain facts
  // of @weltgewebe/events/domain) is bundled, not loaded at run time: the server image has no
  // workspace sources.
  ssr: { noExternal: ['@weltgewebe/kit', '@weltgewebe/events'] },
  build: {
    // maplibre-gl alone is ~800 kB minified; it lives in its own lazily loaded chunk.
    chunkSizeWarningLimit: 1100,
  },
});
