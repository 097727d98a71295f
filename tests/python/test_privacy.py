"""Personal data (issue 13 section 1; contract section 6, "Personal data"): from nothing the project stores or
writes can an id_number be rebuilt, alone or combined (masked form, birth date, gender, county, hash), and the
hash is keyed with a secret that ships with nothing.

The attacks are run as an attacker would, on what a run leaves behind (the warehouse of `demo_run` and of
`generated_run`); the clear numbers are read from the input files only to check the attacks' answers. Each attack
has a positive control, the same attack with the secret, so that a broken attack cannot pass for a safe warehouse.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import stat
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from conftest import DEMO_DIR, Run, isolated_env

from warehouse.core.paths import loaded_path, loaded_root
from warehouse.engine.db import reading_load
from warehouse.inputs import privacy
from warehouse.inputs.contract import ENTITY_BY_NAME
from warehouse.inputs.load import find_inputs, read_source

OLD_DEFAULT_SALT = "township-warehouse-default-salt"
"""The salt earlier versions documented: anything public is what an attacker tries first."""
CANDIDATES_WITH_BIRTH_DATE_AND_GENDER = 500
"""GB 11643: with the county, the birth date and the gender known, the 3-digit sequence has 500 values of the
gender's parity, and the check character follows from the other 17."""
ID_LENGTH = 18


# --- what an attacker holds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """What a run's warehouse holds about each person who gave an id_number, and the answer key."""

    run: Run
    people: pl.DataFrame
    """person_id, id_number_masked, id_number_hash, birth_date, gender: as `raw.people` stores them."""
    counties: pl.DataFrame
    """person_id, county_code: every county the warehouse ties to the person (postings, their townships)."""
    clear: pl.DataFrame
    """person_id, id_number: the clear numbers of the input file, for checking answers only."""

    @property
    def key(self) -> bytes:
        """The run's secret, from the key file beside its warehouse: what only the office holds."""
        return key_file(self.run.db).read_text(encoding="utf-8").strip().encode()


def key_file(db: Path) -> Path:
    return db.with_name(db.name + ".id_key")


def clear_numbers(input_dir: Path) -> pl.DataFrame:
    people = read_source(ENTITY_BY_NAME["people"], find_inputs(input_dir)["people"]).data
    numbers = privacy.normalise(people.get_column("id_number"))
    return pl.DataFrame({"person_id": people.get_column("person_id").cast(pl.String), "id_number": numbers}).filter(
        pl.col("id_number").is_not_null()
    )


def holdings(run: Run, input_dir: Path) -> Holdings:
    with duckdb.connect(str(run.db), read_only=True) as con:
        people = con.sql(
            "select person_id, id_number_masked, id_number_hash, birth_date, gender from raw.people "
            "where id_number_hash is not null"
        ).pl()
        counties = con.sql("""
            select distinct person_id, county_code from (
                select person_id, county_code from raw.postings
                union all
                select p.person_id, t.county_code from raw.postings p join raw.townships t using (township_code)
                union all
                select person_id, left(township_code, 6) from raw.postings
            ) where county_code is not null
        """).pl()
    return Holdings(run, people, counties, clear_numbers(input_dir))


@pytest.fixture(scope="module", params=["demo", "generated"])
def held(request) -> Holdings:
    if request.param == "demo":
        return holdings(request.getfixturevalue("demo_run"), DEMO_DIR)
    return holdings(request.getfixturevalue("generated_run"), request.getfixturevalue("generated").out_dir)


def check_char(body: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(body.str.slice(i, 1).cast(pl.Int64) * w for i, w in enumerate(privacy.WEIGHTS))
    return (total % 11).replace_strict(dict(enumerate(privacy.CHECK_CHARS)), return_dtype=pl.String)


def fits_mask(masked: pl.Expr, candidate: pl.Expr) -> pl.Expr:
    """The candidate has the masked form's length and every character the masked form shows."""
    shown = [masked.str.slice(i, 1) for i in range(ID_LENGTH)]
    return (masked.str.len_chars() == ID_LENGTH) & pl.all_horizontal(
        (char == "*") | (char == candidate.str.slice(i, 1)) for i, char in enumerate(shown)
    )


def candidates(held: Holdings) -> pl.DataFrame:
    """person_id, candidate: every valid number consistent with the person's masked form, birth date, gender and
    counties, for the people with a birth date and a gender (the attacker's best case)."""
    sequences = pl.DataFrame({"sequence": pl.int_range(0, 1000, eager=True)})
    frame = (
        held.people.filter(pl.col("birth_date").is_not_null() & pl.col("gender").is_not_null())
        .join(held.counties, on="person_id")
        .join(sequences, how="cross")
        .filter((pl.col("sequence") % 2 == 1) == (pl.col("gender") == "male"))
        .with_columns(
            body=pl.concat_str(
                "county_code",
                pl.col("birth_date").dt.strftime("%Y%m%d"),
                pl.col("sequence").cast(pl.String).str.zfill(3),
            )
        )
        .with_columns(candidate=pl.concat_str("body", check_char(pl.col("body"))))
    )
    return frame.filter(fits_mask(pl.col("id_number_masked"), pl.col("candidate"))).select("person_id", "candidate")


@pytest.fixture(scope="module")
def attack(held) -> tuple[Holdings, pl.DataFrame]:
    return held, candidates(held)


# --- rebuilding from the masked form, birth date, gender and county ------------------------------------------


def test_the_issues_rebuilding_attack_gives_back_no_number(held):
    with duckdb.connect(str(held.run.db), read_only=True) as con:
        rebuilt = con.sql(
            "select person_id, id_number_masked[1:6] || strftime(birth_date, '%Y%m%d') || id_number_masked[-4:] "
            "as id_number from raw.people"
        ).pl()
    assert held.clear.height > 0
    assert rebuilt.join(held.clear, on=["person_id", "id_number"]).height == 0


def test_every_person_keeps_at_least_500_candidate_numbers_one_of_them_theirs(attack):
    held, found = attack
    counts = found.group_by("person_id").len()
    assert counts.height == held.people.height, "every person with a number, birth date and gender is attacked"
    assert counts.get_column("len").min() >= CANDIDATES_WITH_BIRTH_DATE_AND_GENDER
    theirs = held.clear.join(found, left_on=["person_id", "id_number"], right_on=["person_id", "candidate"])
    assert theirs.height == held.clear.height, "the candidates are the right ones: each person's number is among them"


# --- confirming a candidate against the stored hash ----------------------------------------------------------


def sha256_hex(prefix: str, values: pl.Series) -> pl.Series:
    with duckdb.connect(":memory:") as con:
        con.register("v", pl.DataFrame({"v": values}).to_arrow())
        return con.sql("select sha256($prefix || v) from v", params={"prefix": prefix}).pl().to_series()


PUBLIC_GUESSES = {
    "sha256(old default salt || number)": lambda values: sha256_hex(OLD_DEFAULT_SALT, values),
    "sha256(number)": lambda values: sha256_hex("", values),
    "HMAC-SHA256 with an empty key": lambda values: privacy.hash_ids(values, b""),
    "HMAC-SHA256 keyed with the old default salt": lambda values: privacy.hash_ids(values, OLD_DEFAULT_SALT.encode()),
}


def confirmed(held: Holdings, found: pl.DataFrame, hashes: pl.Series) -> pl.DataFrame:
    """The candidates whose hash is the person's stored hash."""
    guessed = found.with_columns(id_number_hash=hashes)
    return guessed.join(held.people.select("person_id", "id_number_hash"), on=["person_id", "id_number_hash"])


@pytest.mark.parametrize("guess", PUBLIC_GUESSES)
def test_a_brute_force_with_anything_public_confirms_no_candidate(attack, guess):
    held, found = attack
    assert confirmed(held, found, PUBLIC_GUESSES[guess](found.get_column("candidate"))).height == 0


def test_the_same_brute_force_with_the_key_confirms_every_number(attack):
    held, found = attack
    hits = confirmed(held, found, privacy.hash_ids(found.get_column("candidate"), held.key))
    assert hits.height == held.clear.height
    assert hits.join(held.clear, left_on=["person_id", "candidate"], right_on=["person_id", "id_number"]).height == (
        held.clear.height
    )


def test_the_hash_is_hmac_sha256_of_the_key_and_the_number_whatever_their_length():
    keys = [b"", b"k" * 32, b"0123456789abcdef" * 4, b"k" * 65, b"k" * 200, "编办的密钥：三十二个字以上".encode() * 3]
    values = [None, "", "11010519491231002X", "１１０１", "a" * 55, "a" * 56, "a" * 64, "a" * 119, "人" * 40]
    values += [f"{n:017d}{privacy.CHECK_CHARS[n % 11]}" for n in range(0, 10**17, 10**17 // 997)]
    for key in keys:
        expected = [None if v is None else hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in values]
        assert privacy.hash_ids(pl.Series(values, dtype=pl.String), key).to_list() == expected, key


# --- nothing anywhere holds a number in clear or partly masked -----------------------------------------------

NUMBER_LIKE = re.compile(r"[0-9Xx*]{17,}")


def id_number_leaks(texts, clear: pl.Series) -> list[str]:
    """Runs of digits, X and stars that hold a clear number's first 17 characters, or 18 characters that mix
    stars with digits and fit a clear number (a masked form that shows part of it). A run that merely ends in a
    star, like `2.0352624965998911*x` in the Vega library a report page inlines, is no masked form."""
    numbers = "\n".join(clear.to_list())
    bodies = set(clear.str.slice(0, 17).to_list())
    leaks = []
    for text in texts:
        for match in NUMBER_LIKE.finditer(text):
            run = match.group().upper()
            windows = [run[i:i + ID_LENGTH] for i in range(len(run) - ID_LENGTH + 1)]
            partly_masked = any(
                "*" in window and re.search(r"\d", window)
                and re.search("^" + re.escape(window).replace(r"\*", "[0-9X]") + "$", numbers, re.MULTILINE)
                for window in windows
            )
            if partly_masked or any(run[i:i + 17] in bodies for i in range(len(run) - 16)):
                leaks.append(run)
    return leaks


def file_texts(path: Path):
    """A file's text as a reader would see it: every cell of a Parquet file or a workbook, else its bytes."""
    if path.suffix == ".parquet":
        yield from (str(row) for row in duckdb.sql(f"select * from read_parquet('{path}')").fetchall())
    elif path.suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True)
        yield from (str(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True))
        workbook.close()
    else:
        yield path.read_bytes().decode("utf-8", errors="ignore")


def table_texts(db: Path):
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema not in ('information_schema', 'pg_catalog')"
        ).fetchall()
        assert ("raw", "people") in tables and ("marts", "violations") in tables
        for schema, table in tables:
            yield from (str(row) for row in con.sql(f'select * from "{schema}"."{table}"').fetchall())


def folder_leaks(folder: Path, clear: pl.Series, *, besides: str = "\0") -> dict[str, list[str]]:
    """The leaks of every file under folder (but those whose name starts with `besides`), by file."""
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(besides)]
    assert files, folder
    found = {str(path): id_number_leaks(file_texts(path), clear) for path in files}
    return {path: leaks for path, leaks in found.items() if leaks}


@pytest.mark.parametrize("which", ["demo", "generated"])
def test_no_file_of_a_run_and_no_warehouse_table_holds_a_number_in_clear_or_partly_masked(request, which):
    """Every file the run wrote (outputs and their parquet/, the loaded Parquet folders, dbt's logs and target)
    but the warehouse file (read as tables) and the key file, and every table and view of its warehouse."""
    run = request.getfixturevalue(f"{which}_run")
    clear = clear_numbers(DEMO_DIR if which == "demo" else request.getfixturevalue("generated").out_dir)
    numbers = clear.get_column("id_number")
    assert (run.out / "parquet").is_dir() and loaded_root(run.db).is_dir()
    assert folder_leaks(run.db.parent, numbers, besides=run.db.name) == {}
    assert id_number_leaks(table_texts(run.db), numbers) == []


def test_the_key_is_in_no_file_of_a_run_but_its_own(demo_run):
    key = key_file(demo_run.db).read_text(encoding="utf-8").strip()
    files = [p for p in demo_run.db.parent.rglob("*") if p.is_file() and p != key_file(demo_run.db)]
    assert [p for p in files if key.encode() in p.read_bytes()] == []


def test_the_leak_finder_finds_a_clear_and_a_partly_masked_number():
    clear = pl.Series(["36079919960401870X"])
    texts = ["a 36079919960401870x b", "360799********870X", "36079919960*01870X", "P1,******************,1996-04-01",
             "360799********8700", "e=2.0352624965998911*x"]
    assert id_number_leaks(texts, clear) == ["36079919960401870X", "360799********870X", "36079919960*01870X"]


# --- the key -------------------------------------------------------------------------------------------------


def load_demo(root: Path, **env: str) -> subprocess.CompletedProcess:
    """`warehouse load demo` as a user runs it, with the key file beside root's warehouse."""
    return subprocess.run(
        [sys.executable, "-m", "warehouse", "load", str(DEMO_DIR)], cwd=root, env=isolated_env(root) | env,
        capture_output=True, text=True, encoding="utf-8",
    )


def stored_hashes(root: Path) -> dict[str, str]:
    """The hashes the load under root stored (its Parquet, as a build reads it)."""
    with reading_load(loaded_path(root / "warehouse.duckdb")) as con:
        return dict(con.sql("select person_id, id_number_hash from raw.people where id_number_hash is not null")
                    .fetchall())


def hmac_hashes(key: bytes) -> dict[str, str]:
    return {
        person: hmac.new(key, number.encode(), hashlib.sha256).hexdigest()
        for person, number in clear_numbers(DEMO_DIR).iter_rows()
    }


def test_the_first_load_creates_a_key_file_only_its_owner_can_read_and_later_loads_reuse_it(tmp_path):
    assert load_demo(tmp_path).returncode == 0
    path = key_file(tmp_path / "warehouse.duckdb")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    first = stored_hashes(tmp_path)
    assert first == hmac_hashes(key.encode())

    assert load_demo(tmp_path).returncode == 0
    assert path.read_text(encoding="utf-8").strip() == key
    assert stored_hashes(tmp_path) == first


def test_each_warehouse_gets_its_own_random_key(tmp_path, monkeypatch):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.delenv(privacy.RETIRED_SALT_ENV, raising=False)
    keys = set()
    for name in ("a", "b"):
        monkeypatch.setenv("WAREHOUSE_DB", str(tmp_path / name / "warehouse.duckdb"))
        keys.add(privacy.id_key())
    assert len(keys) == 2


def test_two_loads_creating_the_key_at_once_share_one_key(tmp_path, monkeypatch):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.delenv(privacy.RETIRED_SALT_ENV, raising=False)
    monkeypatch.setenv("WAREHOUSE_DB", str(tmp_path / "warehouse.duckdb"))
    start = threading.Barrier(8)
    keys: list[bytes] = []

    def first_load() -> None:
        start.wait()
        keys.append(privacy.id_key())

    threads = [threading.Thread(target=first_load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert keys[0] == key_file(tmp_path / "warehouse.duckdb").read_text(encoding="utf-8").strip().encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb.id_key"], "no temporary file is left"


@pytest.mark.parametrize("mode", [0o640, 0o604], ids=["0640", "0604"])
def test_a_key_file_its_group_or_others_can_read_stops_the_load_with_the_chmod_hint(tmp_path, mode):
    path = key_file(tmp_path / "warehouse.duckdb")
    path.write_text("k" * 64 + "\n", encoding="utf-8")
    path.chmod(mode)
    result = load_demo(tmp_path)
    assert result.returncode == 1
    assert f"chmod 600 {path}" in result.stderr and "Traceback" not in result.stderr
    assert f"{mode:03o}" in result.stderr
    assert not (tmp_path / "warehouse.duckdb").exists(), "nothing is loaded"


def test_warehouse_id_key_takes_precedence_over_the_key_file(tmp_path):
    path = key_file(tmp_path / "warehouse.duckdb")
    path.write_text("f" * 64 + "\n", encoding="utf-8")
    path.chmod(0o600)
    key = "a-32-character-key-from-a-vault!"
    assert len(key) == privacy.MIN_KEY_CHARS
    assert load_demo(tmp_path, WAREHOUSE_ID_KEY=key).returncode == 0
    assert stored_hashes(tmp_path) == hmac_hashes(key.encode())
    assert path.read_text(encoding="utf-8") == "f" * 64 + "\n"


def test_a_key_shorter_than_32_characters_stops_the_run_without_printing_it(tmp_path):
    key = "a-31-character-key-from-a-vault"
    result = load_demo(tmp_path, WAREHOUSE_ID_KEY=key)
    assert result.returncode == 1
    assert "至少需要 32 个" in result.stderr and "at least 32" in result.stderr and "Traceback" not in result.stderr
    assert key not in result.stdout + result.stderr
    assert not (tmp_path / "warehouse.duckdb").exists() and not key_file(tmp_path / "warehouse.duckdb").exists()


def test_the_retired_salt_variable_stops_the_run_naming_its_replacement(tmp_path):
    result = load_demo(tmp_path, WAREHOUSE_ID_SALT="county-secret")
    assert result.returncode == 1
    assert "WAREHOUSE_ID_SALT 已停用" in result.stderr and "replaced by WAREHOUSE_ID_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "warehouse.duckdb").exists() and not key_file(tmp_path / "warehouse.duckdb").exists()

