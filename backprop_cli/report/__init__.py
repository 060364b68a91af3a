"""Renderers: turn results, solutions and graphs into text for people and machines."""
