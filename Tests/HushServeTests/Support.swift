// Shared test helpers (temporary trees, processes, raw HTTP connections) for every file here.
@_exported import HushTestSupport
