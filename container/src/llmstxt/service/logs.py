"""Structured JSON logs (Powertools Logger): job id and site on every crawl line, secrets redacted."""

from __future__ import annotations

import logging
import re
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

SERVICE = "llmstxt"
logger = Logger(service=SERVICE, level="INFO")

# Query parameters that carry credentials (the WebSocket cannot send headers from a browser).
_SECRET_PARAM = re.compile(r"((?:api_key|token|key)=)[^&\s\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    """text with every credential query parameter replaced by ***."""
    return _SECRET_PARAM.sub(r"\1***", text)


class RedactFilter(logging.Filter):
    """Rewrites a record's message so no credential in a URL reaches the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message in place; always keep the record."""
        if record.args or "=" in str(record.msg):
            record.msg = redact(record.getMessage())
            record.args = None
        return True


def setup_logging(level: str = "INFO") -> None:
    """Set the level and send uvicorn's own lines through the same JSON formatter, redacted."""
    logger.setLevel(level.upper())
    names = {"uvicorn", "uvicorn.error", "uvicorn.access"}
    copy_config_to_registered_loggers(source_logger=logger, include=names)
    for name in names:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactFilter) for f in target.filters):
            target.addFilter(RedactFilter())
    for handler in logging.getLogger(SERVICE).handlers:
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(RedactFilter())


class JobLog:
    """A logger bound to one job: every line carries job_id and site."""

    def __init__(self, job_id: str, site: str) -> None:
        self.fields: dict[str, Any] = {"job_id": job_id, "site": site}

    def info(self, message: str, **extra: Any) -> None:
        """An info line with the job's fields."""
        logger.info(message, extra=self.fields | extra, stacklevel=3)

    def warning(self, message: str, **extra: Any) -> None:
        """A warning line with the job's fields."""
        logger.warning(message, extra=self.fields | extra, stacklevel=3)

    def error(self, message: str, **extra: Any) -> None:
        """An error line with the job's fields."""
        logger.error(message, extra=self.fields | extra, stacklevel=3)
