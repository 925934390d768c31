"""The release: where every file of a build and of a published release lives (`paths`), its corpus dumps kept as
parts (`dumps`), and the garbage collector paused while its large files are read (`gcpause`)."""
