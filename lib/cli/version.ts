import { version } from "../../package.json";

/** The package's version, inlined by the build (dist/) or read from package.json under tsx. */
export const VERSION: string = version;
