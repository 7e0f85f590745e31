// What the URL says about the map beyond the route: the view hash (#zoom/lat/lon) and the query
// (?knoten=&kinds=&topics=). Shallow history updates do not change SvelteKit's `page.url`,
// so the page keeps this in step itself; login links use it to bring a person back.
export const currentView = $state({ hash: '', search: '' });
