// The map's current hash as shared state, so login links bring a person back to the same spot.
export const currentView = $state({ hash: '' });
