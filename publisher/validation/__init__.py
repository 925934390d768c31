"""Validation: findings, the shapes, the reference validator (pySHACL) and the fast checker side by side."""
