"""Graphs: report formats read as data from ontology/, and each record turned into its report graph."""
