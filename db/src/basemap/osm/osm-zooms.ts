// The zooms at which the OpenStreetMap basemap switches tables, shared by the import (which
// builds the generalised copies for the zooms below each switch) and the edge's tile SQL (which
// reads them). Pure: no connection, so the edge imports it without the importer.

/** From this zoom the basemap tiles carry OSM data (below it Natural Earth only). */
export const OSM_MINZOOM = 5;
/** Below this zoom tiles read roads_low/areas_low, from it the full tables. */
export const OSM_DETAIL_ZOOM = 12;
/** Buildings are drawn from this zoom (and only the large ones there). */
export const BUILDING_MINZOOM = 13;
/**
 * Below this zoom tiles read buildings_low (buildings closed into blocks, as OpenMapTiles and
 * Protomaps draw them before z15), from it every building on its own.
 */
export const BUILDING_DETAIL_ZOOM = 15;
/** House numbers ride in z16 tiles (the web source's maxzoom) and are drawn from z17. */
export const HOUSENUMBER_MINZOOM = 16;
