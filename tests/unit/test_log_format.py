"""DVC_LOG_FORMAT=json: one JSON object per line, personal data masked like any other record."""

from __future__ import annotations

import io
import json
import logging

from bot.log_format import JsonFormatter
from bot.privacy.log_masking import install


def test_a_json_log_line_is_one_object_without_personal_data():
    install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("dvc.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("SMS to %s for CCCD %s failed", "0912345678", "001090123456")
        try:
            raise ValueError("bad")
        except ValueError:
            logger.exception("turn failed")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    first = json.loads(lines[0])
    assert first["level"] == "WARNING" and first["logger"] == "dvc.test.json"
    assert "0912345678" not in first["message"] and "001090123456" not in first["message"]
    assert first["time"].endswith("+00:00")
    second = json.loads("\n".join(lines[1:]))  # the traceback is inside the object, not after it
    assert "ValueError: bad" in second["exception"]
