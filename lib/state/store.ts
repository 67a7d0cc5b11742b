/** A saved state document and the version it was read at (an S3 ETag, a file's mtime). */
export interface StoredState {
  text: string | null;
  version: string | null;
}

/**
 * Where the Lambda keeps its state. `save` is conditional: it succeeds only when the document is
 * still at `version` (null: must not exist yet), so two overlapping runs cannot lose an update.
 */
/** A saved state document as its UTF-8 bytes, and the version it was read at. */
export interface StoredBytes {
  bytes: Uint8Array | null;
  version: string | null;
}

export interface StateStore {
  load(): Promise<StoredState>;
  /**
   * The document as its bytes, read into one buffer (optional): a large state is then parsed
   * without one string of it, and without the body's chunks beside their concatenation.
   */
  loadBytes?(): Promise<StoredBytes>;
  /** The document as text, or as its UTF-8 bytes (a large state is written without one big string). */
  save(text: string | Uint8Array, version: string | null): Promise<SaveResult>;
  /** Keeps a damaged document beside the state, under a new name, before it is rebuilt. */
  setAside(text: string, suffix: string): Promise<string>;
}

export type SaveResult = { saved: true; version: string | null } | { saved: false };
