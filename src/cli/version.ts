// The package version, for provenance in exports and converted models.
import pkg from '../../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
