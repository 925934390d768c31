"""RDF under every stage: namespaces, the IRIs we mint, media types, reading and writing RDF and SPARQL text."""
