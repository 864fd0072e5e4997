// Shared test helpers (temporary trees, processes, the reference Python) for every file here.
@_exported import HushTestSupport
