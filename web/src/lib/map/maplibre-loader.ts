// MapLibre and its stylesheet, loaded together when the map starts (a dynamic import of this
// module): neither is part of the page's first paint.
import 'maplibre-gl/dist/maplibre-gl.css';
import * as maplibreModule from 'maplibre-gl';

// maplibre-gl ships a UMD bundle: depending on interop the API is the namespace or its default.
export const maplibre =
  (maplibreModule as unknown as { default?: typeof maplibreModule }).default ?? maplibreModule;
