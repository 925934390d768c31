"""The store: the interface published graphs are read through, publishing a release, the remote store."""
