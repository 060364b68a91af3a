"""Exercise files: YAML with marks read into Exercise and Answers models, the schema, the bank, templates."""
