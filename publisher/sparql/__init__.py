"""SPARQL: the query guard, the query service (workers, time limit, row cap), results and the named queries."""
