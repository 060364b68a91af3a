"""Derivation: shapes, the operation table, inference, the graph, reverse and forward mode, tidying, numerics."""
