"""Linked open data publisher for government information disclosure annual reports."""

__version__ = "0.1.0"
