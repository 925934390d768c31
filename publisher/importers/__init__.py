"""Importers: turn the documents agencies publish into record files for a person to review.

    htmldoc    an HTML page as an element tree, its text rendition and XPath locations
    layout     a format's tables, rows, columns, sections and text patterns, read from its Turtle
    tables     the national tables of an HTML page mapped cell by cell onto a format
    prose      figures worded in prose, found with the format's text patterns
    fees       fees stated in prose in other words, mapped to the format's fee figure when unambiguous
    record     the record file written for review, with what could not be mapped

An importer never writes to the store and never guesses: whatever it cannot map is
listed, with its location, in the record it writes (and returned to the caller).
"""
