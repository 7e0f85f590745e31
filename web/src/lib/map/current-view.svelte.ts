// What the URL says about the map beyond the route: the view hash (#zoom/lat/lon) and the query
// (?knoten=&kinds=&topics=). Shallow history updates do not change SvelteKit's `page.url`,
// so the page keeps this in step itself; login links use it to bring a person back.
import { replaceState } from '$app/navigation';
import { page } from '$app/state';
import { formatViewHash, type MapView } from './map-view';

export const currentView = $state({ hash: '', search: '' });

/** Keep the map's view in the URL (and in `currentView`) without a history entry. */
export function writeViewToUrl(view: MapView): void {
  const hash = formatViewHash(view);
  currentView.hash = hash;
  if (location.hash === hash) return;
  const url = new URL(location.href);
  url.hash = hash;
  // SvelteKit's replaceState keeps its router in step (history.replaceState would not).
  replaceState(url, page.state);
}
