// The tile sources by name (one file per source in sources/). Each renders one MVT layer of
// the same name with ST_AsMVT; composites concatenate layers.
import { accountsSource } from './sources/accounts.ts';
import { basemapSource } from './sources/basemap.ts';
import { hexSource } from './sources/hex.ts';
import { nodesSource } from './sources/nodes.ts';
import { threadsSource } from './sources/threads.ts';
import type { TileSource } from './sources/tile-source.ts';
import { weaveriesSource } from './sources/weaveries.ts';

export type { RenderedLayer, TileSource } from './sources/tile-source.ts';

export const TILE_SOURCES: Record<string, TileSource> = {
  nodes: nodesSource,
  accounts: accountsSource,
  threads: threadsSource,
  weaveries: weaveriesSource,
  hex: hexSource,
  basemap: basemapSource,
};
