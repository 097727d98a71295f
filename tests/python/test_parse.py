"""Cell parsing and id_number privacy (contract section 1): every accepted spelling, and what is an error."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import polars as pl
import pytest

from warehouse.inputs import privacy
from warehouse.inputs.contract import GRADES, TOWNSHIP_TYPES, TOWNSHIPS
from warehouse.inputs.parse import parse_bool, parse_code, parse_column, parse_date, parse_enum, parse_int, parse_text


def one(parser, value, *args):
    """(value, empty, error) of a single cell."""
    parsed = parser(pl.Series([value], dtype=pl.String), *args)
    return parsed.value[0], parsed.empty[0], parsed.error[0]


@pytest.mark.parametrize(
    "given",
    [
        "2019-03-01",
        "2019/3/1",
        "2019.3.1",
        "2019年3月1日",
        "20190301",
        "２０１９－０３－０１",
        "２０１９年３月１日",
        " 2019-3-1 ",
        "43525",
        "2019/3/1 0:00",
        "2019-03-01 00:00:00",
    ],
)
def test_every_accepted_date_style_is_the_same_day(given):
    assert one(parse_date, given) == (date(2019, 3, 1), False, None)


@pytest.mark.parametrize("given", ["2019-02-30", "2019-13-01", "2023-02-29", "20190230"])
def test_a_day_that_does_not_exist_is_an_error_not_a_null(given):
    assert one(parse_date, given) == (None, False, "no_such_date")


@pytest.mark.parametrize("given", ["March 2019", "19-03-01", "2019-03", "1/3/2019", "tomorrow"])
def test_an_unrecognised_date_is_an_error(given):
    assert one(parse_date, given) == (None, False, "date")


@pytest.mark.parametrize("given", [None, "", "   ", "\u3000"])
def test_an_empty_cell_is_empty_not_an_error(given):
    for parser, args in ((parse_date, ()), (parse_code, ((9, 12),)), (parse_int, ()), (parse_enum, (GRADES,))):
        assert one(parser, given, *args) == (None, True, None)
    assert one(parse_text, given) == (None, True, None)


@pytest.mark.parametrize(
    "given, expected",
    [
        ("360799100000", "360799100000"),
        ("360799100", "360799100000"),
        ("360799100000.0", "360799100000"),
        ("3.60799100000E11", "360799100000"),
        ("3.60799100000E+11", "360799100000"),
        ("３６０７９９１００", "360799100000"),
        (" 360799100000 ", "360799100000"),
        ("036079910000", "036079910000"),
    ],
)
def test_township_codes_become_twelve_digits(given, expected):
    assert one(parse_code, given, (9, 12)) == (expected, False, None)


@pytest.mark.parametrize(
    "given, error", [("36079910000", "length"), ("3607991000000", "length"), ("36079910000A", "digits"),
                     ("360799100000.5", "digits"), ("3607-99", "digits")]
)
def test_a_code_of_the_wrong_length_or_not_digits_is_an_error(given, error):
    assert one(parse_code, given, (9, 12)) == (None, False, error)


@pytest.mark.parametrize("given", ["3.60799E+11", "3.607991E+11", "3.60799e11", "3.6079910000E+11",
                                   "３.６０７９９Ｅ＋１１", " 3.60799E+11 "])
def test_a_code_in_scientific_notation_that_lost_digits_is_an_error_never_a_guess(given):
    """Excel shows 360799100000 and 360799123456 alike as 3.60799E+11: the digits it dropped are gone."""
    assert one(parse_code, given, (9, 12)) == (None, False, "scientific")


def test_a_county_code_in_scientific_notation_that_lost_digits_is_an_error():
    assert one(parse_code, "3.607E+05", (6,)) == (None, False, "scientific")
    assert one(parse_code, "3.60799E+05", (6,)) == ("360799", False, None)


def test_a_six_digit_county_code_is_not_padded():
    assert one(parse_code, "360799", (6,)) == ("360799", False, None)
    assert one(parse_code, "36079", (6,)) == (None, False, "length")


@pytest.mark.parametrize(
    "given, expected",
    [("true", True), ("TRUE", True), ("True", True), ("1", True), ("是", True), ("Y", True), ("y", True),
     ("false", False), ("FALSE", False), ("0", False), ("否", False), ("N", False), ("n", False), ("ｙ", True)],
)
def test_every_boolean_spelling(given, expected):
    assert one(parse_bool, given, False) == (expected, False, None)


def test_an_empty_boolean_takes_the_column_default():
    assert one(parse_bool, "", False) == (False, True, None)
    assert one(parse_bool, None, True) == (True, True, None)


@pytest.mark.parametrize("given", ["maybe", "2", "yes please"])
def test_an_unrecognised_boolean_is_an_error(given):
    assert one(parse_bool, given, False) == (None, False, "bool")


@pytest.mark.parametrize("given, expected", [("7", 7), ("7.0", 7), ("-3", -3), ("７", 7), (" 12 ", 12)])
def test_whole_numbers(given, expected):
    assert one(parse_int, given) == (expected, False, None)


@pytest.mark.parametrize("given", ["7.5", "seven", "99999999999"])
def test_a_number_that_is_not_a_whole_integer_is_an_error(given):
    assert one(parse_int, given) == (None, False, "int")


@pytest.mark.parametrize("given", ["town", "Town", "TOWN", "镇", " 镇 "])
def test_an_enumeration_accepts_the_english_code_or_the_chinese_label(given):
    assert one(parse_enum, given, TOWNSHIP_TYPES) == ("town", False, None)


def test_an_unknown_enumeration_value_is_an_error():
    assert one(parse_enum, "city", TOWNSHIP_TYPES) == (None, False, "enum")
    assert one(parse_enum, "镇政府", TOWNSHIP_TYPES) == (None, False, "enum")


def test_text_is_trimmed_and_full_width_letters_become_half_width():
    assert one(parse_text, "  梅江镇\u3000") == ("梅江镇", False, None)
    assert one(parse_text, "ＡＢ１２（镇）") == ("AB12(镇)", False, None)


def test_typed_parquet_columns_are_kept_as_they_are():
    is_small = TOWNSHIPS.column("is_small")
    parsed = parse_column(pl.Series([True, None, False]), is_small)
    assert parsed.value.to_list() == [True, False, False]
    assert parsed.empty.to_list() == [False, True, False]
    posts = parse_column(pl.Series([9, None], dtype=pl.Int64), TOWNSHIPS.column("approved_leader_posts"))
    assert posts.value.to_list() == [9, None] and posts.value.dtype == pl.Int32


def test_a_code_stored_as_a_number_in_parquet_still_becomes_its_digits():
    code = TOWNSHIPS.column("township_code")
    assert parse_column(pl.Series([360799100000]), code).value.to_list() == ["360799100000"]
    assert parse_column(pl.Series([360799100.0]), code).value.to_list() == ["360799100000"]


# --- id_number -------------------------------------------------------------------------------------------------

VALID_IDS = ["11010519491231002X", "440524188001010014", "360799199604018707"]
"""The first two are GB 11643-1999's own examples."""


def id_errors(values: list[str | None]) -> list[str | None]:
    return privacy.id_number_error(privacy.normalise(pl.Series(values, dtype=pl.String))).to_list()


def test_valid_id_numbers_pass_the_check_digit():
    assert id_errors(VALID_IDS) == [None, None, None]


def test_a_lower_case_x_is_accepted_and_upper_cased():
    assert privacy.normalise(pl.Series(["11010519491231002x"])).to_list() == ["11010519491231002X"]
    assert id_errors(["11010519491231002x"]) == [None]


def test_a_wrong_check_digit_or_length_is_an_error():
    assert id_errors(["110105194912310021", "11010519491231002", "1101051949123100AX", None]) == [
        "id_check", "id_length", "id_check", None,
    ]


def test_check_char_follows_gb_11643_weights():
    assert privacy.check_char("11010519491231002") == "X"
    assert privacy.check_char("44052418800101001") == "4"


def test_masked_form_hides_every_character_and_keeps_the_length():
    assert privacy.mask(pl.Series(["36073119800101123X", None])).to_list() == ["*" * 18, None]


def test_a_mistyped_id_number_is_masked_whole_too():
    assert privacy.mask(pl.Series(["1234567", "3607311980010112345"])).to_list() == ["*" * 7, "*" * 19]


def test_hash_is_hmac_sha256_keyed_with_warehouse_id_key(monkeypatch):
    key = "county-secret-of-thirty-two-chars"
    monkeypatch.delenv(privacy.RETIRED_SALT_ENV, raising=False)
    monkeypatch.setenv(privacy.KEY_ENV, key)
    expected = hmac.new(key.encode(), b"11010519491231002X", hashlib.sha256).hexdigest()
    assert privacy.hash_ids(pl.Series(["11010519491231002X", None])).to_list() == [expected, None]
