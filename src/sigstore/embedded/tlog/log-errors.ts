/**
 * Errors specific to the transparency log, on top of the domain errors in `src/errors.ts`. The
 * duplicate-entry error belongs to the port (every log reports it the same way); re-exported here.
 */
export { EntryExistsError } from "../../transparency-log.js";
