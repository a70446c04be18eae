"""The wire layer: wire protocols as registered records, translation, normalisation, streams,
error envelopes.

    protocol.py    WireProtocol: one protocol's path, auth, translate, normalize, stream format,
                   error dialect, spec components... (data + pure callables)
    protocols.py   the registry (register_protocol, get_protocol, endpoints) and the built-ins
    dialects.py    a job -> URL, headers, body, through its protocol (prepare, curl_command)
    normalize.py   any protocol's success body -> core.models.Normalized
    streams.py     SSE -> the protocol's non-stream body + StreamStats (StreamReader)
    errors.py      any error body -> ErrorInfo (dialect, shape variant, error class, ...)
    mirror.py      a wire request -> another protocol's (protocol_for_path, mirror_request)

Pure functions, no I/O (except reading local image files in dialects.prepare).
"""
