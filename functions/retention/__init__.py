"""The daily retention purge: S3 objects past their records' retention (docs/data-protection.md)."""
