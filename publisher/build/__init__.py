"""The build: records checked, graphs cached, a new release written and switched in atomically; the resident builder."""
