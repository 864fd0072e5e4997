// Shared test helpers (temporary trees, processes, deterministic data) for every file here.
@_exported import HushTestSupport
