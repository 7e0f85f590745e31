-- osm2pgsql flex style of Weltgewebe's OpenStreetMap basemap (osm2pgsql >= 1.7, Lua 5.3).
-- It only sorts OSM objects into raw tables in the schema WG_OSM_SCHEMA (default osm_raw):
-- db/src/basemap/osm/import-osm.ts then chooses zooms, simplifies, indexes and swaps them in.
-- Classes follow the usual vector-tile basemaps: roads by importance, water, green land use.

local schema = os.getenv('WG_OSM_SCHEMA') or 'osm_raw'

local tables = {}

tables.water = osm2pgsql.define_area_table('water', {
    { column = 'class', type = 'text', not_null = true },
    { column = 'name', type = 'text' },
    { column = 'geom', type = 'geometry', projection = 3857, not_null = true },
}, { schema = schema })

tables.waterways = osm2pgsql.define_way_table('waterways', {
    { column = 'class', type = 'text', not_null = true },
    { column = 'name', type = 'text' },
    { column = 'geom', type = 'linestring', projection = 3857, not_null = true },
}, { schema = schema })

tables.landuse = osm2pgsql.define_area_table('landuse', {
    { column = 'class', type = 'text', not_null = true },
    { column = 'name', type = 'text' },
    { column = 'geom', type = 'geometry', projection = 3857, not_null = true },
}, { schema = schema })

tables.roads = osm2pgsql.define_way_table('roads', {
    { column = 'class', type = 'text', not_null = true },
    { column = 'name', type = 'text' },
    { column = 'ref', type = 'text' },
    { column = 'layer', type = 'int' },
    { column = 'bridge', type = 'bool' },
    { column = 'tunnel', type = 'bool' },
    { column = 'geom', type = 'linestring', projection = 3857, not_null = true },
}, { schema = schema })

tables.buildings = osm2pgsql.define_area_table('buildings', {
    { column = 'geom', type = 'geometry', projection = 3857, not_null = true },
}, { schema = schema })

tables.housenumbers = osm2pgsql.define_table({
    name = 'housenumbers',
    schema = schema,
    ids = { type = 'any', id_column = 'osm_id', type_column = 'osm_type' },
    columns = {
        { column = 'housenumber', type = 'text', not_null = true },
        { column = 'geom', type = 'point', projection = 3857, not_null = true },
    },
})

tables.labels = osm2pgsql.define_table({
    name = 'labels',
    schema = schema,
    ids = { type = 'any', id_column = 'osm_id', type_column = 'osm_type' },
    columns = {
        { column = 'kind', type = 'text', not_null = true },
        { column = 'class', type = 'text', not_null = true },
        { column = 'name', type = 'text', not_null = true },
        { column = 'population', type = 'int' },
        { column = 'geom', type = 'point', projection = 3857, not_null = true },
    },
})

-- highway=* → road class (what a map draws differently).
local road_classes = {
    motorway = 'motorway', motorway_link = 'motorway',
    trunk = 'trunk', trunk_link = 'trunk',
    primary = 'primary', primary_link = 'primary',
    secondary = 'secondary', secondary_link = 'secondary',
    tertiary = 'tertiary', tertiary_link = 'tertiary',
    residential = 'minor', unclassified = 'minor', living_street = 'minor', road = 'minor',
    service = 'service',
    pedestrian = 'pedestrian',
    track = 'track',
    footway = 'path', cycleway = 'path', path = 'path', steps = 'path', bridleway = 'path',
}

local rail_classes = {
    rail = 'rail', light_rail = 'rail', narrow_gauge = 'rail', subway = 'subway', tram = 'tram',
}

local waterway_classes = { river = 'river', canal = 'canal', stream = 'stream', ditch = 'ditch', drain = 'ditch' }

-- Green and built-up land (landuse=*, leisure=*, natural=*) → class.
local landuse_classes = {
    park = 'park', garden = 'park', playground = 'park', recreation_ground = 'park',
    village_green = 'park', pitch = 'pitch', golf_course = 'park', nature_reserve = 'park',
    forest = 'forest', wood = 'forest',
    grass = 'grass', meadow = 'grass', heath = 'grass', scrub = 'grass', grassland = 'grass',
    allotments = 'allotments', cemetery = 'cemetery', farmland = 'farmland',
    residential = 'residential', commercial = 'commercial', retail = 'commercial',
    industrial = 'industrial', railway = 'industrial', harbour = 'industrial', port = 'industrial',
    university = 'education', school = 'education', college = 'education', hospital = 'hospital',
    beach = 'sand', sand = 'sand', wetland = 'wetland',
}

local place_classes = {
    suburb = true, quarter = true, neighbourhood = true, village = true, hamlet = true,
    locality = true, island = true, islet = true, square = true,
}

local poi_keys = { 'amenity', 'shop', 'tourism', 'leisure', 'historic', 'railway', 'public_transport' }
local poi_skip = {
    parking = true, bench = true, waste_basket = true, bicycle_parking = true, vending_machine = true,
    recycling = true, parking_space = true, parking_entrance = true, stop_position = true,
    platform = true, level_crossing = true, crossing = true, switch = true, buffer_stop = true,
    signal = true, milestone = true, yes = true,
}

local function is_yes(v)
    return v == 'yes' or v == 'true' or v == '1'
end

local function layer_of(tags)
    local n = tonumber(tags.layer)
    if n then return math.floor(n) end
    if is_yes(tags.bridge) then return 1 end
    if is_yes(tags.tunnel) then return -1 end
    return 0
end

local function water_class(tags)
    if tags.natural == 'water' then return tags.water or 'lake' end
    if tags.waterway == 'riverbank' then return 'river' end
    if tags.waterway == 'dock' then return 'dock' end
    if tags.landuse == 'reservoir' or tags.landuse == 'basin' then return tags.landuse end
    return nil
end

local function landuse_class(tags)
    return landuse_classes[tags.leisure or ''] or landuse_classes[tags.landuse or '']
        or landuse_classes[tags.natural or ''] or landuse_classes[tags.amenity or '']
        or landuse_classes[tags.boundary == 'protected_area' and 'nature_reserve' or '']
end

local function poi_class(tags)
    for _, key in ipairs(poi_keys) do
        local v = tags[key]
        if v and not poi_skip[v] then
            if key == 'railway' or key == 'public_transport' then
                if v == 'station' or v == 'halt' then return 'station' end
            else
                return v
            end
        end
    end
    return nil
end

-- Labels and house numbers of an area sit on its centroid (close enough for small areas).
local function add_points(object, geom)
    local tags = object.tags
    if tags['addr:housenumber'] then
        tables.housenumbers:insert({ housenumber = tags['addr:housenumber'], geom = geom })
    end
    if tags.name then
        if tags.place and place_classes[tags.place] then
            tables.labels:insert({
                kind = 'locality', class = tags.place, name = tags.name,
                population = tonumber(tags.population), geom = geom,
            })
        else
            local class = poi_class(tags)
            if class then
                tables.labels:insert({ kind = 'poi', class = class, name = tags.name, geom = geom })
            end
        end
    end
end

local function add_area(object, geom)
    local tags = object.tags
    local wclass = water_class(tags)
    if wclass then
        tables.water:insert({ class = wclass, name = tags.name, geom = geom })
    end
    local lclass = landuse_class(tags)
    if lclass then
        tables.landuse:insert({ class = lclass, name = tags.name, geom = geom })
    end
    if tags.building and tags.building ~= 'no' then
        tables.buildings:insert({ geom = geom })
    end
    add_points(object, geom:centroid())
end

function osm2pgsql.process_node(object)
    add_points(object, object:as_point())
end

function osm2pgsql.process_way(object)
    local tags = object.tags
    local road = road_classes[tags.highway or '']
    local rail = rail_classes[tags.railway or '']
    local area_road = is_yes(tags.area)
    if (road or rail) and not area_road then
        tables.roads:insert({
            class = road or rail,
            name = tags.name,
            ref = tags.ref,
            layer = layer_of(tags),
            bridge = is_yes(tags.bridge),
            tunnel = is_yes(tags.tunnel) or tags.covered == 'yes',
            geom = object:as_linestring(),
        })
    end
    local wclass = waterway_classes[tags.waterway or '']
    if wclass then
        tables.waterways:insert({ class = wclass, name = tags.name, geom = object:as_linestring() })
    end
    if object.is_closed and not (road and not area_road) and not wclass then
        add_area(object, object:as_polygon())
    elseif tags['addr:housenumber'] or tags.name then
        -- Open ways with a name (a pier, a wall) get no label; addresses on lines are rare.
        if tags['addr:housenumber'] then
            tables.housenumbers:insert({ housenumber = tags['addr:housenumber'], geom = object:as_linestring():centroid() })
        end
    end
end

function osm2pgsql.process_relation(object)
    local t = object.tags.type
    if t == 'multipolygon' or (t == 'boundary' and object.tags.boundary == 'protected_area') then
        add_area(object, object:as_multipolygon())
    end
end
