"""Core models, errors and registries: the layer every other layer may import."""
