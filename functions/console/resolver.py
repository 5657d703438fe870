"""The console's resolver and logger (console.app registers the pages on it)."""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

logger = Logger(service="console")
# The resolver logs route arguments at DEBUG: form bodies, with names and addresses.
logging.getLogger("aws_lambda_powertools.event_handler").setLevel(logging.INFO)

app = APIGatewayRestResolver()
