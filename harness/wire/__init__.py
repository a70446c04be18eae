"""The wire layer: dialect translation, success-body normalisation and error-envelope parsing.

    normalize.py   any dialect's success body -> core.models.Normalized
    errors.py      any error body -> ErrorInfo (dialect, shape variant, error class, ...)
    dialects.py    canonical (OpenAI-spelling) request -> the dialect's body, URL, headers

Pure functions, no I/O.
"""
