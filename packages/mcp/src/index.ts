/** The package version, replaced by real exports as the package grows. */
export const version = "0.0.0";
