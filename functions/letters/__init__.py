"""The letters Lambda: Word (DOCX) drafts for every case event that calls for a letter.

- `render`: the context each letter kind needs, the content it must carry, strict rendering.
- `review_pack`: the Head of Service's twelve-month review figures and their chart.
- `service`: load, check, render, store in S3 under a deterministic key, record, notify.
- `handler`: the DynamoDB stream edge (partial batch responses).
- `templates/*.docx`: made by `python -m contactguard_local.letter_templates` (local
  tooling, never shipped); staff may then edit them in Word.

The heavy document libraries (docxtpl, python-docx, jinja2, lxml, Pillow) are imported only
here, so the other functions start fast.
"""
