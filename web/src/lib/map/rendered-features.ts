// Reading what MapLibre has drawn: what a tap meets (a node, a weavery's name, a cluster, else
// only the map) and which nodes and clusters are on screen (the list view). The picture answers
// the same questions from its own drawing (map-preview.ts), with the same answers.
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { PreviewHit } from './map-preview';
import { layerIds } from './map-style';
import { type VisibleCluster, type VisibleNode, visibleNodeOf } from './map-view';

/** The layers a tap (and the pointer cursor) answers to. */
export const tappable = [layerIds.nodes, layerIds.nodeClusters, layerIds.weaveryLabels];

/** What a tap at (x, y) meets: a finger is wider than a pixel, so look around it; a node wins. */
export function tappedAt(map: MapLibreMap, x: number, y: number): PreviewHit | null {
  const layers = tappable.filter((id) => map.getLayer(id));
  const r = 10;
  const found = map.queryRenderedFeatures(
    [
      [x - r, y - r],
      [x + r, y + r],
    ],
    { layers },
  );
  const feature = found.find((f) => f.layer.id === layerIds.nodes) ?? found[0];
  if (!feature) return null;
  const props = feature.properties ?? {};
  if (feature.layer.id === layerIds.nodes && typeof props.id === 'string')
    return { kind: 'node', id: props.id };
  if (feature.layer.id === layerIds.weaveryLabels && typeof props.slug === 'string')
    return { kind: 'weavery', slug: props.slug };
  if (props.cluster === true && feature.geometry.type === 'Point') {
    const [lon, lat] = feature.geometry.coordinates as [number, number];
    return { kind: 'cluster', point: { lat, lon } };
  }
  return null;
}

/** The nodes and clusters drawn on screen now, each once. */
export function visibleOnMap(map: MapLibreMap): {
  nodes: VisibleNode[];
  clusters: VisibleCluster[];
} {
  const nodes = new Map<string, VisibleNode>();
  const clusters = new Map<string, VisibleCluster>();
  const layers = [layerIds.nodes, layerIds.nodeClusters].filter((id) => map.getLayer(id));
  for (const feature of map.queryRenderedFeatures({ layers })) {
    const props = feature.properties ?? {};
    if (feature.geometry.type !== 'Point') continue;
    const [lon, lat] = feature.geometry.coordinates as [number, number];
    if (props.cluster === true) {
      const key = String(props.cell ?? feature.id ?? `${lat},${lon}`);
      clusters.set(key, { key, count: Number(props.count) || 0, lat, lon });
    } else if (typeof props.id === 'string') {
      nodes.set(props.id, visibleNodeOf(props.id, props, { lat, lon }));
    }
  }
  return { nodes: [...nodes.values()], clusters: [...clusters.values()] };
}
