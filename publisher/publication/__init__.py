"""Publication: what a release offers — downloads (report files, CSV/CSVW, dumps), the DCAT catalog, VoID, export."""
