// German names for places whose GeoNames name is an English or local one, so the map's
// German-first search finds "München" and "Wien". Keyed by country and GeoNames name; the
// GeoNames name stays searchable as the place's alternative name.
export const GERMAN_NAMES: Record<string, Record<string, string>> = {
  AT: { Vienna: 'Wien' },
  BE: { Brussels: 'Brüssel', Liège: 'Lüttich', Brugge: 'Brügge' },
  CH: { Genève: 'Genf' },
  CZ: { Prague: 'Prag' },
  DE: { Munich: 'München' },
  DK: { Copenhagen: 'Kopenhagen' },
  IT: {
    Rome: 'Rom',
    Milan: 'Mailand',
    Naples: 'Neapel',
    Florence: 'Florenz',
    Venice: 'Venedig',
    Genoa: 'Genua',
  },
  LU: { Luxembourg: 'Luxemburg' },
  NL: { 'The Hague': 'Den Haag' },
  PL: {
    Warsaw: 'Warschau',
    Kraków: 'Krakau',
    Wrocław: 'Breslau',
    Gdańsk: 'Danzig',
    Poznań: 'Posen',
    Szczecin: 'Stettin',
  },
};
