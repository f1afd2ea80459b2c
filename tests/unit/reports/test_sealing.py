"""How a submission is fingerprinted for idempotent retries, and how a file is encrypted and opened."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstander import crypto
from upstander.reports.models import Category, MessageAuthor, Report, ReporterRelation
from upstander.reports.rules import FileInput, Identity, SubjectInput, Submission
from upstander.reports.sealing import (
    attachment_info,
    attachment_row,
    encrypt_file,
    from_json,
    open_attachment,
    submission_fingerprint,
)

PERSON = uuid.UUID("7d5c3a52-2f1e-4c1b-9a43-0f3e7d3b8c11")
FILE = FileInput("photo.jpg", "image/jpeg", b"\xff\xd8 pixels \xff\xd9")
BASE = Submission(
    category=Category.CORRUPTION,
    what_happened="Cash taken from a seized wallet.",
    relation=ReporterRelation.WITNESS,
    when="Friday night",
    where="Property store",
    subjects=(SubjectInput(person_id=PERSON, name="PC Smith", staff_number="1234", unit="Response"),),
    identity=Identity(name="A. Reporter", staff_number="9876", contact="a@example.org"),
    files=(FILE,),
)
AT = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def with_subject(**changes: Any) -> Submission:
    return dataclasses.replace(BASE, subjects=(dataclasses.replace(BASE.subjects[0], **changes),))


def with_identity(**changes: Any) -> Submission:
    assert BASE.identity is not None
    return dataclasses.replace(BASE, identity=dataclasses.replace(BASE.identity, **changes))


def with_file(**changes: Any) -> Submission:
    return dataclasses.replace(BASE, files=(dataclasses.replace(FILE, **changes),))


VARIANTS = {
    "category": dataclasses.replace(BASE, category=Category.BULLYING),
    "relation": dataclasses.replace(BASE, relation=ReporterRelation.VICTIM),
    "what_happened": dataclasses.replace(BASE, what_happened=BASE.what_happened + " "),
    "when": dataclasses.replace(BASE, when="Saturday night"),
    "where": dataclasses.replace(BASE, where=""),
    "no-subjects": dataclasses.replace(BASE, subjects=()),
    "subject-twice": dataclasses.replace(BASE, subjects=BASE.subjects * 2),
    "subject-person": with_subject(person_id=None),
    "subject-name": with_subject(name="PC Smyth"),
    "subject-staff-number": with_subject(staff_number="1235"),
    "subject-unit": with_subject(unit="CID"),
    "anonymous": dataclasses.replace(BASE, identity=None),
    "identity-name": with_identity(name="B. Reporter"),
    "identity-staff-number": with_identity(staff_number=""),
    "identity-contact": with_identity(contact="b@example.org"),
    "no-files": dataclasses.replace(BASE, files=()),
    "file-twice": dataclasses.replace(BASE, files=(FILE, FILE)),
    "file-name": with_file(filename="photo2.jpg"),
    "file-type": with_file(content_type="image/png"),
    "file-data": with_file(data=FILE.data + b"\0"),
}


def test_equal_submissions_have_the_same_fingerprint() -> None:
    copy = dataclasses.replace(BASE, files=(FileInput(FILE.filename, FILE.content_type, bytes(FILE.data)),))
    assert submission_fingerprint(copy) == submission_fingerprint(BASE)
    assert len(submission_fingerprint(BASE)) == 64


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_a_change_to_any_field_changes_the_fingerprint(variant: Submission) -> None:
    assert submission_fingerprint(variant) != submission_fingerprint(BASE)


def test_fingerprints_of_all_variants_are_distinct() -> None:
    fingerprints = {submission_fingerprint(variant) for variant in VARIANTS.values()}
    assert len(fingerprints) == len(VARIANTS)


def test_fields_whose_texts_are_swapped_give_different_fingerprints() -> None:
    swapped = dataclasses.replace(BASE, when=BASE.where, where=BASE.when)
    assert submission_fingerprint(swapped) != submission_fingerprint(BASE)


@settings(max_examples=60)
@given(data=st.binary(min_size=1, max_size=64), position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_flipping_any_bit_of_a_file_changes_the_fingerprint(data: bytes, position: int, bit: int) -> None:
    index = position % len(data)
    flipped = data[:index] + bytes([data[index] ^ (1 << bit)]) + data[index + 1 :]
    original = dataclasses.replace(BASE, files=(dataclasses.replace(FILE, data=data),))
    changed = dataclasses.replace(BASE, files=(dataclasses.replace(FILE, data=flipped),))
    assert submission_fingerprint(original) != submission_fingerprint(changed)


def test_the_fingerprint_does_not_contain_what_was_written() -> None:
    assert "wallet" not in submission_fingerprint(BASE)


# --- encrypted files ------------------------------------------------------------------------


def test_an_encrypted_file_hides_its_name_type_and_content() -> None:
    encrypted = encrypt_file(FILE)
    assert encrypted.size_bytes == len(FILE.data)
    assert len(encrypted.file_key) == crypto.KEY_BYTES
    assert FILE.data not in encrypted.ciphertext
    assert b"photo.jpg" not in encrypted.encrypted_meta
    assert b"image/jpeg" not in encrypted.encrypted_meta


def report_with(public_key: bytes, reporter_public_key: bytes, key_version: int = 1) -> Report:
    """A report row as far as sealing a file to it needs (never stored)."""
    return Report(
        id=uuid.uuid4(),
        public_key=public_key,
        reporter_public_key=reporter_public_key,
        key_version=key_version,
    )


def test_a_file_records_the_report_key_version_it_is_sealed_with() -> None:
    keys = crypto.generate_key_pair()
    encrypted = encrypt_file(FILE)
    row = attachment_row(
        report_with(keys.public, keys.public, key_version=3), encrypted, MessageAuthor.STAFF, AT
    )
    assert row.key_version == 3
    assert crypto.unseal(keys.private, row.sealed_key_for_report) == encrypted.file_key


def test_each_file_gets_its_own_key() -> None:
    assert encrypt_file(FILE).file_key != encrypt_file(FILE).file_key


def test_an_encrypted_file_opens_from_its_row_with_its_key() -> None:
    report_keys, reporter_keys = crypto.generate_key_pair(), crypto.generate_key_pair()
    encrypted = encrypt_file(FileInput("Zoë's statement.pdf", "application/pdf", b"%PDF-1.7 ..."))
    row = attachment_row(
        report_with(report_keys.public, reporter_keys.public), encrypted, MessageAuthor.REPORTER, AT
    )
    opened = open_attachment(row, encrypted.file_key)
    assert (opened.filename, opened.content_type, opened.data) == (
        "Zoë's statement.pdf",
        "application/pdf",
        b"%PDF-1.7 ...",
    )


def test_the_file_key_is_sealed_to_both_the_report_and_the_reporter() -> None:
    report_keys, reporter_keys = crypto.generate_key_pair(), crypto.generate_key_pair()
    encrypted = encrypt_file(FILE)
    row = attachment_row(
        report_with(report_keys.public, reporter_keys.public), encrypted, MessageAuthor.STAFF, AT
    )
    assert crypto.unseal(report_keys.private, row.sealed_key_for_report) == encrypted.file_key
    assert crypto.unseal(reporter_keys.private, row.sealed_key_for_reporter) == encrypted.file_key
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(reporter_keys.private, row.sealed_key_for_report)
    row_file = open_attachment(row, crypto.unseal(reporter_keys.private, row.sealed_key_for_reporter))
    assert row_file.data == FILE.data


def test_attachment_info_reads_the_metadata_without_the_content() -> None:
    keys = crypto.generate_key_pair()
    encrypted = encrypt_file(FILE)
    row = attachment_row(report_with(keys.public, keys.public), encrypted, MessageAuthor.REPORTER, AT)
    info = attachment_info(row, encrypted.file_key)
    assert (info.filename, info.content_type, info.size_bytes) == ("photo.jpg", "image/jpeg", len(FILE.data))
    assert (info.uploaded_at, info.uploaded_by) == (AT, MessageAuthor.REPORTER)


def test_an_attachment_does_not_open_with_another_key() -> None:
    keys = crypto.generate_key_pair()
    encrypted = encrypt_file(FILE)
    row = attachment_row(report_with(keys.public, keys.public), encrypted, MessageAuthor.REPORTER, AT)
    with pytest.raises(crypto.DecryptionFailed):
        open_attachment(row, crypto.random_bytes(crypto.KEY_BYTES))


def test_from_json_refuses_a_document_that_is_not_an_object() -> None:
    assert from_json(b'{"a":1}') == {"a": 1}
    with pytest.raises(crypto.DecryptionFailed):
        from_json(b"[1, 2]")
