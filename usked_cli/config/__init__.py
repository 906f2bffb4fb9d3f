"""Settings: `sources` (file/env rules, no pydantic), `model` (pydantic-settings), `writer`."""
