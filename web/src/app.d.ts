// Types SvelteKit shares between the server, the pages and the browser.
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { SessionUser } from '$lib/user';

declare global {
  namespace App {
    interface Error {
      message: string;
      /** The request id, so a person can quote it and we can find the log line. */
      id?: string;
    }
    interface Locals {
      requestId: string;
      user: SessionUser | null;
    }
  }

  interface Window {
    /** The map instance, for browser tests (queryRenderedFeatures). */
    __wgMap?: MapLibreMap;
  }
}
