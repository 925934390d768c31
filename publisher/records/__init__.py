"""Records: the human-edited report records and agency registry, their model, and the source documents they quote."""
