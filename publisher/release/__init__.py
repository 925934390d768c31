"""The release: where every file of a build and of a published release lives (`paths`)."""
