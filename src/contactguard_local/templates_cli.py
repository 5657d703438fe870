"""`contactguard templates`: check, publish, list, fetch and withdraw letter templates.

    contactguard templates check FILE [--as NAME] [--bucket B]
    contactguard templates publish FILE [--as NAME] --bucket B
    contactguard templates list --bucket B
    contactguard templates get NAME --bucket B [--out FILE]
    contactguard templates withdraw NAME --bucket B

`check` fills the Word file from a sample case for every kind of letter it serves (a shared
block: every letter that includes it) and says, in plain words, each placeholder it does not
know and each piece of required content the letter no longer says (letters.template_rules).
`publish` checks first and publishes only a file that passes, to the letters bucket's
`templates/` prefix (letters.template_store): the next letter uses it, with no deploy.
`withdraw` goes back to the packaged file; the bucket keeps every version published.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, meta

from contactguard.domain.letter_kinds import LETTER_KINDS, LetterKind
from letters.content import prepare
from letters.docx_render import (
    DOCX_CONTENT_TYPE,
    PACKAGED,
    TemplateFault,
    TemplateFile,
    TemplateFiles,
    block_file,
    block_xml,
    jinja_env,
    render_letter,
)
from letters.template_rules import BLOCK_CONTENT, explain
from letters.template_store import PREFIX, S3PublishedTemplates

KIND_OF = {spec.template: kind for kind, spec in LETTER_KINDS.items()}
KNOWN_NAMES = (*KIND_OF, *(block_file(name) for name in BLOCK_CONTENT))
_INCLUDES = re.compile(r"""\{%-?\s*include\s+["']([^"']+)["']""")
_STYLE_USE = re.compile(r'<w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"')
_STYLE_DEF = re.compile(r'<w:style\b[^>]*w:styleId="([^"]+)"')


class TemplatesError(Exception):
    """A request the command cannot carry out, said in plain words."""


@dataclass(frozen=True)
class _Overlay:
    """The files a letter is filled from, with one of them replaced by the file checked."""

    base: TemplateFiles
    replaced: TemplateFile

    def get(self, name: str) -> TemplateFile | None:
        return self.replaced if name == self.replaced.name else self.base.get(name)


def template_name(path: Path, as_name: str | None = None) -> str:
    """What a file is: a letter's template (`restrictions.docx`) or a shared block
    (`blocks/help.docx`, from `help.docx`)."""
    name = (as_name or path.name).strip()
    if not name.endswith(".docx"):
        name += ".docx"
    if name in KNOWN_NAMES:
        return name
    block = name.removeprefix("blocks/").removesuffix(".docx")
    if block in BLOCK_CONTENT:
        return block_file(block)
    raise TemplatesError(
        f"{name} is neither a letter template nor a shared block; name the file as one of "
        f"these, or say which with --as: {', '.join(KNOWN_NAMES)}"
    )


def read_docx(path: Path) -> bytes:
    try:
        body = path.read_bytes()
    except OSError as error:
        raise TemplatesError(f"cannot read {path}: {error.strerror}") from error
    if not zipfile.is_zipfile(BytesIO(body)):
        raise TemplatesError(f"{path} is not a Word document (.docx): save it from Word as .docx")
    return body


def _part_xml(body: bytes, part: str) -> str:
    with zipfile.ZipFile(BytesIO(body)) as docx:
        return docx.read(part).decode("utf-8") if part in docx.namelist() else ""


def included_blocks(body: bytes) -> list[str]:
    """The shared blocks a template includes, in order."""
    return list(dict.fromkeys(_INCLUDES.findall(block_xml(body))))


def letters_using(name: str, files: TemplateFiles) -> list[LetterKind]:
    """The kinds of letter a file serves: its own kind, or each that includes the block."""
    if name in KIND_OF:
        return [KIND_OF[name]]
    block = name.removeprefix("blocks/").removesuffix(".docx")
    using = []
    for template, kind in KIND_OF.items():
        found = files.get(template)
        if found is not None and block in included_blocks(found.body):
            using.append(kind)
    return using


def _placeholders(source: str) -> set[str]:
    return set(meta.find_undeclared_variables(jinja_env().parse(source)))


_PARAGRAPH = re.compile(r"<w:p[ >].*?</w:p>", re.DOTALL)
_CONTROL_LINE = re.compile(r"\{%p\s.*?%\}")


def paragraphs(body: bytes) -> list[str]:
    """The text of each paragraph of a Word file's body, as typed (tags not yet patched)."""
    xml = _part_xml(body, "word/document.xml")
    return [
        "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p)) for p in _PARAGRAPH.findall(xml)
    ]


def _typing_problems(body: bytes) -> list[str]:
    """Tags typed so that text would vanish without an error: a placeholder not closed
    (`{{ customer_name }`) swallows what follows it; words beside a `{%p ... %}` control line
    are removed with the line."""
    problems = []
    for text in paragraphs(body):
        shown = text if len(text) <= 80 else text[:77] + "..."
        opened = text.count("{{") + text.count("{%")
        closed = text.count("}}") + text.count("%}")
        if opened != closed:
            problems.append(f"a {{{{ }}}} or {{% %}} tag is not closed in the line: {shown!r}")
            continue
        control = _CONTROL_LINE.search(text)
        if control is not None and text.replace(control.group(0), "").strip():
            problems.append(
                f"words beside a control line are removed with it: put {control.group(0)} on a "
                f"line of its own: {shown!r}"
            )
    return problems


def _known_problems(file: TemplateFile, files: TemplateFiles) -> list[str]:
    """What is wrong with the file itself, whichever letter it serves."""
    problems = _typing_problems(file.body)
    xml = block_xml(file.body)
    if not file.name.startswith("blocks/"):
        return problems + _unknown_blocks(file, files)
    if _INCLUDES.search(xml):
        problems.append("a shared block cannot include another block")
    if re.search(r'r:(?:embed|id)="', xml):
        problems.append(
            "a shared block cannot hold a picture or a link (it would be lost): put it in "
            "the letter's own template"
        )
    return problems


def _unknown_blocks(file: TemplateFile, files: TemplateFiles) -> list[str]:
    problems = []
    for block in included_blocks(file.body):
        if block not in BLOCK_CONTENT and files.get(block_file(block)) is None:
            close = difflib.get_close_matches(block, list(BLOCK_CONTENT), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            problems.append(f'it includes a shared block "{block}" that does not exist{hint}')
    return problems


def _style_problems(block: TemplateFile, letter: TemplateFile) -> list[str]:
    used = set(_STYLE_USE.findall(_part_xml(block.body, "word/document.xml")))
    defined = set(_STYLE_DEF.findall(_part_xml(letter.body, "word/styles.xml")))
    return [
        f"it uses the style '{style}', which {letter.name} does not have: that text would "
        f"print in the letter's Normal style"
        for style in sorted(used - defined)
    ]


@cache
def _samples() -> tuple[Any, ...]:
    """Every kind's letter inputs for the sample case, built once however many are checked."""
    from contactguard_local.letters_preview import sample_inputs

    return tuple(sample_inputs())


def check_letter(kind: LetterKind, files: TemplateFiles, checked: TemplateFile) -> list[str]:
    """Fill this kind of letter from the sample case; what is wrong, in plain words."""
    inputs = next(i for i in _samples() if i.event.letter and i.event.letter.kind is kind)
    prepared = prepare(inputs)
    template = files.get(LETTER_KINDS[kind].template)
    if template is None:
        return [explain("template-missing")]
    problems: list[str] = []
    sources = [template] + [
        found
        for block in included_blocks(template.body)
        if (found := files.get(block_file(block))) is not None
    ]
    known = set(prepared.context) | {"chart"}
    if checked.name.startswith("blocks/"):
        problems.extend(_style_problems(checked, template))
    for source in sources:
        try:
            unknown = _placeholders(block_xml(source.body)) - known
        except TemplateSyntaxError as error:
            problems.append(f"{source.name}: a {{{{ }}}} or {{% %}} tag is broken: {error.message}")
            continue
        for name in sorted(unknown):
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {{{{ {close[0]} }}}}?)" if close else ""
            problems.append(f"{source.name}: unknown placeholder {{{{ {name} }}}}{hint}")
    if problems:
        return problems
    try:
        render_letter(prepared, files)
    except TemplateFault as fault:
        cause = fault.__cause__
        attribute = _NO_ATTRIBUTE.search(str(cause)) if cause else None
        if attribute is not None:
            return [_unknown_attribute(attribute.group(1), sources, prepared.context)]
        in_block = checked.name if checked.name.startswith("blocks/") else None
        for problem in fault.problems:
            detail = f": {cause}" if isinstance(cause, TemplateError) and str(cause) else ""
            problems.append(explain(problem, in_block) + detail)
    return problems


_NO_ATTRIBUTE = re.compile(r"has no attribute '(\w+)'")


def _unknown_attribute(attribute: str, sources: list[TemplateFile], context: dict[str, Any]) -> str:
    """`{{ org.adjustment_email }}`: the dotted placeholder, and the closest one known."""
    for source in sources:
        found = re.search(rf"([\w.]+)\.{attribute}\b", block_xml(source.body))
        if found is None:
            continue
        parent: Any = context
        for part in found.group(1).split("."):
            parent = parent.get(part) if isinstance(parent, dict) else None
        close = difflib.get_close_matches(attribute, list(parent or ()), n=1)
        hint = f" (did you mean {{{{ {found.group(1)}.{close[0]} }}}}?)" if close else ""
        return f"{source.name}: unknown placeholder {{{{ {found.group(0)} }}}}{hint}"
    return f"unknown placeholder: nothing here has '{attribute}'"


def check(path: Path, as_name: str | None, base: TemplateFiles) -> dict[str, list[str]]:
    """Each kind of letter the file serves, and what is wrong with it as that letter."""
    name = template_name(path, as_name)
    checked = TemplateFile(name=name, body=read_docx(path), version="checked")
    files = _Overlay(base, checked)
    results: dict[str, list[str]] = {}
    own = _known_problems(checked, files)
    if own:
        return {name: own}
    for kind in letters_using(name, files):
        results[kind.value] = check_letter(kind, files, checked)
    if not results:
        results[name] = ["no letter includes this block, so no letter would say it"]
    return results


def _print_results(name: str, results: dict[str, list[str]]) -> bool:
    ok = all(not problems for problems in results.values())
    lists = list(results.values())
    if len(lists) > 1 and all(problems == lists[0] for problems in lists):
        results = {f"every letter that includes it ({len(lists)})": lists[0]}
    for letter, problems in results.items():
        if not problems:
            print(f"  {letter}: OK, it says everything this letter must")
        for problem in problems:
            print(f"  {letter}: {problem}")
    verdict = "passes" if ok else "FAILS: not published; correct it in Word and check again"
    print(f"{name} {verdict}")
    return ok


def _client(args: argparse.Namespace) -> Any:
    import boto3

    return getattr(args, "s3", None) or boto3.client("s3")


def _bucket(args: argparse.Namespace) -> str:
    bucket: str | None = args.bucket or os.environ.get("CONTACTGUARD_LETTERS_BUCKET")
    if not bucket:
        raise TemplatesError(
            "say which letters bucket: --bucket (the stack's LettersBucketName output) or "
            "CONTACTGUARD_LETTERS_BUCKET"
        )
    return bucket


def _base(args: argparse.Namespace) -> TemplateFiles:
    if getattr(args, "bucket", None) or os.environ.get("CONTACTGUARD_LETTERS_BUCKET"):
        return S3PublishedTemplates(_bucket(args), client=_client(args)).snapshot()
    return PACKAGED


def cmd_check(args: argparse.Namespace) -> int:
    name = template_name(args.file, args.as_name)
    print(f"Checking {args.file} as {name}, filled from a sample case:")
    return 0 if _print_results(name, check(args.file, args.as_name, _base(args))) else 1


def cmd_publish(args: argparse.Namespace) -> int:
    name = template_name(args.file, args.as_name)
    bucket, client = _bucket(args), _client(args)
    base = S3PublishedTemplates(bucket, client=client).snapshot()
    print(f"Checking {args.file} as {name}, filled from a sample case:")
    if not _print_results(name, check(args.file, args.as_name, base)):
        return 1
    put = client.put_object(
        Bucket=bucket,
        Key=PREFIX + name,
        Body=read_docx(args.file),
        ContentType=DOCX_CONTENT_TYPE,
    )
    version = put.get("VersionId") or put["ETag"].strip('"')
    print(f"Published {name} (version {version}): the next letter drafted uses it.")
    print(
        f"To go back to the packaged one: contactguard templates withdraw {name} --bucket {bucket}"
    )
    return 0


def published_versions(client: Any, bucket: str) -> dict[str, list[dict[str, Any]]]:
    """Every version published of each name, newest first (delete markers as withdrawals)."""
    versions: dict[str, list[dict[str, Any]]] = {}
    pages = client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=PREFIX)
    for page in pages:
        for kind in ("Versions", "DeleteMarkers"):
            for item in page.get(kind, []):
                entry = {**item, "withdrawn": kind == "DeleteMarkers"}
                versions.setdefault(item["Key"].removeprefix(PREFIX), []).append(entry)
    for entries in versions.values():
        entries.sort(key=lambda e: e["LastModified"], reverse=True)
    return versions


def cmd_list(args: argparse.Namespace) -> int:
    bucket, client = _bucket(args), _client(args)
    versions = published_versions(client, bucket)
    print(f"{'template':34} {'in use':10} {'since':17} published versions")
    for name in KNOWN_NAMES:
        entries = versions.get(name, [])
        latest = entries[0] if entries else None
        in_use = "published" if latest and not latest["withdrawn"] else "packaged"
        since = latest["LastModified"].strftime("%Y-%m-%d %H:%M") if latest else "-"
        count = sum(1 for e in entries if not e["withdrawn"])
        print(f"{name:34} {in_use:10} {since:17} {count}")
    return 0


def cmd_get(args: argparse.Namespace) -> int:
    name = template_name(Path(args.name))
    found = _base(args).get(name)
    if found is None:
        raise TemplatesError(f"there is no {name}")
    out = args.out or Path(Path(name).name)
    out.write_bytes(found.body)
    print(f"{name} ({found.version}) written to {out}: edit it in Word, then check and publish it")
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    name = template_name(Path(args.name))
    bucket, client = _bucket(args), _client(args)
    entries = published_versions(client, bucket).get(name, [])
    if not entries or entries[0]["withdrawn"]:
        print(f"{name} is not published: the packaged one is already in use")
        return 0
    client.delete_object(Bucket=bucket, Key=PREFIX + name)
    print(f"Withdrew {name}: the next letter uses the packaged one (earlier versions are kept)")
    return 0


AS_HELP = "which template the file is, e.g. restrictions.docx or help (a shared block)"


def register(sub: Any) -> None:
    templates = sub.add_parser(
        "templates", help="check and publish the Word templates letters are drafted from"
    )
    actions = templates.add_subparsers(dest="action", required=True)

    def bucket_arg(parser: argparse.ArgumentParser, required_words: str) -> None:
        parser.add_argument(
            "--bucket",
            help=f"the stack's letters bucket ({required_words}; or set "
            "CONTACTGUARD_LETTERS_BUCKET)",
        )

    check_cmd = actions.add_parser("check", help="check a Word template; publishes nothing")
    check_cmd.add_argument("file", type=Path)
    check_cmd.add_argument(
        "--as", dest="as_name", help="the template it is, e.g. restrictions.docx"
    )
    bucket_arg(check_cmd, "optional: check with the blocks published there")
    check_cmd.set_defaults(func=_guarded(cmd_check))
    publish = actions.add_parser("publish", help="check a Word template and publish it")
    publish.add_argument("file", type=Path)
    publish.add_argument("--as", dest="as_name", help=AS_HELP)
    bucket_arg(publish, "required")
    publish.set_defaults(func=_guarded(cmd_publish))
    listing = actions.add_parser("list", help="which templates are published, and since when")
    bucket_arg(listing, "required")
    listing.set_defaults(func=_guarded(cmd_list))
    get = actions.add_parser("get", help="the template in use, to edit in Word")
    get.add_argument("name", help="e.g. restrictions.docx or help (a shared block)")
    get.add_argument("--out", type=Path, help="where to write it (default: its own name here)")
    bucket_arg(get, "optional: without it, the packaged one")
    get.set_defaults(func=_guarded(cmd_get))
    withdraw = actions.add_parser("withdraw", help="go back to the packaged template")
    withdraw.add_argument("name")
    bucket_arg(withdraw, "required")
    withdraw.set_defaults(func=_guarded(cmd_withdraw))


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A request it cannot carry out is said in one line, exit status 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except TemplatesError as error:
            print(f"contactguard templates: {error}")
            return 2

    return run
