/// HushServe: serves a collected STATIC_ROOT over HTTP/1.1 from a precomputed file table.
public enum HushServe {}
